/**
 * Serves the registry's own checksum database (service/checksum-log.ts) as
 * golang.org/x/mod/sumdb's Server does — `latest`, `lookup/…`, `tile/…` — at
 * `/sumdb/<name>/` and, so that go finds it through a GOPROXY, under every GOPROXY
 * endpoint (`…/sumdb/<name>/supported` answers 200 there).
 *
 * A lookup answers only a caller who may read the module's owner, with the same 404 as
 * for a version never logged. A version not yet logged under an unclaimed path is fetched
 * through the pull-through cache first (which verifies and logs it), so go can verify
 * public modules against this one database too. Hash tiles are public; data tiles (the
 * records) are for the admin token only.
 */
import { DomainError, invalid, notFound } from '../domain/domain-error.js';
import { unescapeModulePath, unescapeVersion } from '../domain/case-encoding.js';
import { checkModuleVersion } from '../domain/module-path.js';
import type { Principal } from '../domain/owner.js';
import type { OwnerRepository } from '../repository/owner-repository.js';
import type { AuthService } from './auth-service.js';
import type { ChecksumLog } from './checksum-log.js';
import type { PullThroughCache } from './pull-through-cache.js';

export interface SumdbAnswer {
  body: Buffer;
  kind: 'supported' | 'latest' | 'lookup' | 'hash-tile' | 'data-tile';
  /** Never changes (a full tile). */
  immutable: boolean;
}

const LOOKUP = /^lookup\/(.+)@([^@/]+)$/;

export class SumdbServer {
  constructor(
    private readonly log: ChecksumLog,
    private readonly auth: AuthService,
    private readonly owners: OwnerRepository,
    private readonly cache: PullThroughCache | undefined,
  ) {}

  get name(): string {
    return this.log.name;
  }

  get verifierKey(): string {
    return this.log.verifierKey;
  }

  async answer(principal: Principal, path: string): Promise<SumdbAnswer> {
    if (path === 'supported') return { body: Buffer.alloc(0), kind: 'supported', immutable: false };
    if (path === 'latest') return { body: await this.log.latest(), kind: 'latest', immutable: false };
    if (path.startsWith('tile/')) {
      const isData = path.startsWith('tile/8/data/');
      if (isData) this.auth.requireAdmin(principal);
      const tile = await this.log.tile(path);
      return { body: tile.data, kind: isData ? 'data-tile' : 'hash-tile', immutable: tile.full };
    }
    const m = LOOKUP.exec(path);
    if (!m) throw notFound('not found');
    const modulePath = unescapeModulePath(m[1]!);
    const version = unescapeVersion(m[2]!);
    if (modulePath === undefined || version === undefined) throw invalid('invalid module@version syntax');
    const problem = checkModuleVersion(modulePath, version);
    if (problem) throw invalid(problem);
    return { body: await this.lookup(principal, modulePath, version), kind: 'lookup', immutable: false };
  }

  private async lookup(principal: Principal, modulePath: string, version: string): Promise<Buffer> {
    const missing = notFound(`${modulePath}@${version}: not found in this registry's checksum database`);
    let record = await this.log.findRecord(modulePath, version);
    if (!record && this.cache && (await this.owners.findClaimant(modulePath)) === undefined) {
      try {
        await this.cache.zip(modulePath, version);
      } catch (err) {
        if (err instanceof DomainError && err.kind === 'NotFound') throw missing;
        throw err;
      }
      record = await this.log.findRecord(modulePath, version);
    }
    if (!record) throw missing;
    if (record.owner !== undefined && !(await this.auth.visibleOwner(principal, record.owner))) throw missing;
    return this.log.lookupAnswer(record);
  }
}
