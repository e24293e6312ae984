/**
 * The upstream checksum database, proxied at `<GOPROXY>/sumdb/<name>/` so that go in a
 * cluster with no Internet path verifies public modules with its default GOSUMDB: go
 * asks `<proxy>/sumdb/<name>/supported` and, on a 200, sends its lookups and tile reads
 * there. Lookups of claimed paths are never forwarded (the path would leave the
 * cluster, and the database cannot know a hosted module): their answer says what to set.
 */
import { notFound } from '../domain/domain-error.js';
import { unescapeCase } from '../domain/case-encoding.js';
import type { OwnerRepository } from '../repository/owner-repository.js';
import type { ChecksumDatabase } from '../upstream/checksum-database.js';

const LOOKUP = /^lookup\/(.+)@([^@/]+)$/;
const ALLOWED = /^(supported|latest|lookup\/.+|tile\/.+)$/;

export class SumdbProxy {
  constructor(
    private readonly sumdb: ChecksumDatabase | undefined,
    private readonly owners: OwnerRepository,
  ) {}

  /** The answer for `path` under /sumdb/<name>/; NotFound for another database or a path go never asks. */
  async answer(name: string, path: string): Promise<Buffer> {
    if (!this.sumdb || name !== this.sumdb.name) throw notFound(`this proxy does not serve the checksum database ${name}`);
    if (!ALLOWED.test(path)) throw notFound('not found');
    if (path === 'supported') return Buffer.alloc(0);
    const lookup = LOOKUP.exec(path);
    const modulePath = lookup && unescapeCase(lookup[1]!);
    if (modulePath && (await this.owners.findClaimant(modulePath)) !== undefined) {
      throw notFound(
        `${modulePath} is hosted by this registry and never looked up in ${name}: ` +
          `list its prefix in GONOSUMDB (or set GOSUMDB to this registry's own checksum database)`,
      );
    }
    return this.sumdb.fetch(path);
  }
}
