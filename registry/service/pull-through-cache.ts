/**
 * The pull-through cache of public modules. `.info` and `.mod` of a version are fetched
 * together the first time either is asked for, `.zip` the first time it is; each is
 * verified against the upstream checksum database before it is stored (a mismatch is
 * refused and reported, never served), stored immutably (zips in the blob store, validated
 * like uploads) and served from storage ever after. `@v/list` and `@latest` are kept for
 * a TTL and served stale when the upstream fails; with no upstream (air-gapped) they come
 * from what is stored. A not-found answer is remembered for a while; failures never are.
 */
import { LRUCache } from 'lru-cache';
import type { BlobStore } from '../blob/blob-store.js';
import { hash1 } from '../domain/dirhash.js';
import { DomainError, notFound, upstreamFailed } from '../domain/domain-error.js';
import { canonicalModuleVersion } from '../domain/go-semver.js';
import type { ModuleVersion } from '../domain/module-version.js';
import { matchPrefixPatterns } from '../domain/prefix-patterns.js';
import { latestVersion, listedVersions } from '../domain/version-query.js';
import type { CachedVersion, CacheRepository } from '../repository/cache-repository.js';
import type { Change, ChangeSink } from '../repository/read-cache.js';
import type { ChecksumDatabase, GoSumLines } from '../upstream/checksum-database.js';
import type { Upstream } from '../upstream/upstream.js';
import { checkModuleZip } from '../upload/module-zip-check.js';
import { createHash } from 'node:crypto';
import type { BlobCollector } from './blob-collector.js';
import type { PrefetchItem } from '../domain/prefetch-list.js';
import type { SingleFlight } from './single-flight.js';
import type { LogEntry, VersionLog } from './checksum-log.js';
import type { ChecksumLogTx } from '../repository/checksum-log-repository.js';

export type CacheKind = 'list' | 'latest' | 'info' | 'mod' | 'zip';

/** One line of a prefetch's answer. */
export interface PrefetchReport {
  /** path@version, with /go.mod when only the go.mod was wanted. */
  module: string;
  result: 'fetched' | 'cached' | 'hosted' | 'mismatch' | 'failed' | 'invalid';
  error?: string;
}

/** What the cache reports, for metrics and logs. */
export interface CacheObserver {
  served(kind: CacheKind, result: 'hit' | 'miss' | 'stale'): void;
  refused(modulePath: string, version: string, reason: string): void;
}

export interface PullThroughOptions {
  listTtlMs: number;
  notFoundTtlMs: number;
  /** Paths never looked up in the checksum database (UPSTREAM_NOSUMDB). */
  noSumdb: string[];
  /** True when the upstream proxies are off (air-gapped): answers come from storage alone. */
  offline: boolean;
  /**
   * Other processes share the database (PostgreSQL): versions kept in memory are used only
   * while their changes are heard (setEnabled, from the change listener). False (PGlite): always.
   */
  shared: boolean;
}

/** An upper bound on how long a version is trusted from memory, whatever the notifications say. */
const COMPLETE_TTL_MS = 60_000;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export class PullThroughCache implements ChangeSink {
  private readonly notFound: LRUCache<string, DomainError>;
  /**
   * Versions stored whole (zip included) never change, so a hit needs no database read. An
   * eviction drops them here at once, and in every other process when its notification
   * arrives (migration 0009); while notifications are not heard, none is used.
   */
  private readonly complete: LRUCache<string, CachedVersion>;
  private coherent: boolean;

  constructor(
    private readonly repo: CacheRepository,
    private readonly upstream: Upstream,
    private readonly sumdb: ChecksumDatabase | undefined,
    private readonly blobs: BlobStore,
    private readonly collector: BlobCollector,
    private readonly flights: SingleFlight,
    private readonly log: VersionLog,
    private readonly options: PullThroughOptions,
    private readonly observer: CacheObserver,
  ) {
    this.notFound = new LRUCache({ max: 10_000, ttl: Math.max(1, options.notFoundTtlMs) });
    this.complete = new LRUCache({ maxSize: 16 * 1024 * 1024, sizeCalculation: (v) => v.info.length + v.goMod.length + 256, ttl: COMPLETE_TTL_MS });
    this.coherent = !options.shared;
  }

  /** Another process evicted a module's versions: drop them here too. */
  apply(change: Change): void {
    if (change.table === 'cached_versions') this.forget(change.modulePath);
  }

  clear(): void {
    this.complete.clear();
  }

  setEnabled(on: boolean): void {
    this.complete.clear();
    this.coherent = on;
  }

  /** Drops the module's versions (or one of them) from memory. */
  private forget(modulePath: string, version?: string): void {
    for (const key of [...this.complete.keys()]) {
      if (key === `${modulePath}@${version}` || (version === undefined && key.startsWith(`${modulePath}@`))) this.complete.delete(key);
    }
  }

  async list(modulePath: string): Promise<string> {
    const body = await this.answer(modulePath, 'list', async () => {
      const text = await this.upstream.list(modulePath);
      return Buffer.from(text.split('\n').filter((v) => canonicalModuleVersion(v.trim()) !== '').map((v) => v.trim() + '\n').join(''));
    });
    return body.toString('utf8');
  }

  latest(modulePath: string): Promise<Buffer> {
    return this.answer(modulePath, 'latest', () => this.upstream.latest(modulePath));
  }

  async info(modulePath: string, version: string): Promise<Buffer> {
    // A query (a branch, a shorthand) is the upstream's to resolve; only versions are stored.
    if (canonicalModuleVersion(version) !== version) return this.remembering(`info:${modulePath}@${version}`, () => this.upstream.info(modulePath, version));
    return (await this.version(modulePath, version, 'info')).info;
  }

  async mod(modulePath: string, version: string): Promise<Buffer> {
    if (canonicalModuleVersion(version) !== version) throw notFound(`${modulePath}@${version}: not a version`);
    return (await this.version(modulePath, version, 'mod')).goMod;
  }

  /** The stored zip as the zip response sends it. */
  async zip(modulePath: string, version: string): Promise<ModuleVersion> {
    if (canonicalModuleVersion(version) !== version) throw notFound(`${modulePath}@${version}: not a version`);
    let v = await this.version(modulePath, version, 'zip');
    if (!v.zip) {
      this.observer.served('zip', 'miss');
      await this.flights.run(`zip:${modulePath}@${version}`, async () => (await this.repo.findVersion(modulePath, version))?.zip !== undefined, () =>
        this.remembering(`zip:${modulePath}@${version}`, () => this.fetchZip(v)),
      );
      v = (await this.repo.findVersion(modulePath, version)) ?? v;
      if (!v.zip) throw upstreamFailed(`${modulePath}@${version}: the zip could not be stored`);
    }
    return {
      owner: '', modulePath, version, blobSha256: v.zip.blobSha256, zipSize: v.zip.size, zipHash: v.zip.hash,
      goMod: v.goMod, goModHash: v.goModHash, createdAt: v.fetchedAt,
    };
  }

  /** Fetches what the items name unless stored; one report line per item. */
  async prefetch(items: PrefetchItem[], isClaimed: (modulePath: string) => Promise<boolean>, concurrency = 4): Promise<PrefetchReport[]> {
    const reports: PrefetchReport[] = [];
    const queue = [...items];
    const worker = async () => {
      for (let item = queue.shift(); item; item = queue.shift()) reports.push(await this.prefetchOne(item, isClaimed));
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return reports.sort((a, b) => (a.module < b.module ? -1 : a.module > b.module ? 1 : 0));
  }

  private async prefetchOne(item: PrefetchItem, isClaimed: (modulePath: string) => Promise<boolean>): Promise<PrefetchReport> {
    const module = `${item.modulePath}@${item.version}${item.zip ? '' : '/go.mod'}`;
    if (await isClaimed(item.modulePath)) return { module, result: 'hosted' };
    try {
      const stored = await this.repo.findVersion(item.modulePath, item.version);
      const had = stored !== undefined && (!item.zip || stored.zip !== undefined);
      const v = item.zip ? await this.zip(item.modulePath, item.version) : await this.version(item.modulePath, item.version, 'mod');
      const hash = 'zipHash' in v ? v.zipHash : v.goModHash;
      if (item.expectedHash && item.expectedHash !== hash) return { module, result: 'mismatch', error: `go.sum says ${item.expectedHash}, stored ${hash}` };
      return { module, result: had ? 'cached' : 'fetched' };
    } catch (err) {
      return { module, result: 'failed', error: (err as Error).message };
    }
  }

  /**
   * Drops a module (or one version) from the cache, with its @v/list and @latest answers
   * and remembered not-founds; its zips go once nothing else references them. Returns
   * the versions removed.
   */
  async evict(modulePath: string, version?: string): Promise<string[]> {
    // Dropped before and after the rows go, so a read in between cannot keep one here.
    this.forget(modulePath, version);
    const { versions, blobs } = await this.repo.removeVersions(modulePath, version);
    this.forget(modulePath, version);
    for (const key of [...this.notFound.keys()]) {
      const subject = key.slice(key.indexOf(':') + 1);
      if (subject === modulePath || subject.startsWith(`${modulePath}@`)) this.notFound.delete(key);
    }
    await this.collector.removeUnreferenced(blobs);
    return versions;
  }

  /** The stored version (its .info and verified .mod), fetched first when missing. */
  private async version(modulePath: string, version: string, kind: CacheKind): Promise<CachedVersion> {
    const key = `${modulePath}@${version}`;
    const known = this.coherent ? this.complete.get(key) : undefined;
    if (known) {
      this.observer.served(kind, 'hit');
      return known;
    }
    const stored = await this.repo.findVersion(modulePath, version);
    if (stored?.zip && this.coherent) this.complete.set(key, stored);
    if (stored && (kind !== 'zip' || stored.zip)) {
      this.observer.served(kind, 'hit');
      return stored;
    }
    if (stored) return stored;
    this.observer.served(kind, 'miss');
    await this.flights.run(`version:${modulePath}@${version}`, async () => (await this.repo.findVersion(modulePath, version)) !== undefined, () =>
      this.remembering(`version:${modulePath}@${version}`, () => this.fetchVersion(modulePath, version)),
    );
    const fetched = await this.repo.findVersion(modulePath, version);
    if (!fetched) throw notFound(`${modulePath}@${version} not found`);
    return fetched;
  }

  private async fetchVersion(modulePath: string, version: string): Promise<void> {
    const [info, goMod] = await Promise.all([this.upstream.info(modulePath, version), this.upstream.mod(modulePath, version)]);
    let infoVersion: unknown;
    try {
      infoVersion = (JSON.parse(info.toString('utf8')) as { Version?: unknown }).Version;
    } catch {
      throw upstreamFailed(`${modulePath}@${version}: the upstream's .info is not JSON`);
    }
    if (infoVersion !== version) throw upstreamFailed(`${modulePath}@${version}: the upstream's .info is for ${String(infoVersion)}`);
    const goModHash = hash1(new Map([['go.mod', sha256(goMod)]]));
    const lines = await this.verified(modulePath, version);
    if (lines && lines.mod !== goModHash) this.refuse(modulePath, version, `go.mod ${goModHash}, the checksum database says ${lines.mod}`);
    // Verified: logged in this registry's checksum database with the upstream database's hashes (the zip, when fetched, must match them).
    const zipHash = lines?.zip;
    const log = zipHash ? (tx: ChecksumLogTx) => this.logged(tx, { modulePath, version, zipHash, goModHash }) : undefined;
    await this.repo.saveVersion({ modulePath, version, info, goMod, goModHash, verified: lines !== undefined }, log);
  }

  private async fetchZip(v: CachedVersion): Promise<void> {
    const { modulePath, version } = v;
    const temp = this.blobs.tempPath();
    try {
      const { sha256: blob, size } = await this.upstream.zip(modulePath, version, temp);
      const zip = await checkModuleZip(temp).catch((err: unknown) => {
        throw err instanceof DomainError ? upstreamFailed(`${modulePath}@${version}: the upstream's zip is refused: ${err.message}`) : err;
      });
      if (zip.modulePath !== modulePath || zip.version !== version) this.refuse(modulePath, version, `the zip holds ${zip.modulePath}@${zip.version}`);
      if (zip.goModHash !== v.goModHash) this.refuse(modulePath, version, `the zip's go.mod ${zip.goModHash} differs from its .mod ${v.goModHash}`);
      const lines = await this.verified(modulePath, version);
      if (lines && lines.zip !== zip.zipHash) this.refuse(modulePath, version, `zip ${zip.zipHash}, the checksum database says ${lines.zip}`);
      await this.blobs.prepare(temp);
      await this.repo.saveZip(
        modulePath,
        version,
        { blobSha256: blob, size, hash: zip.zipHash },
        async () => void (await this.blobs.put(blob, temp)),
        (tx) => this.logged(tx, { modulePath, version, zipHash: zip.zipHash, goModHash: v.goModHash }),
      );
    } finally {
      await this.blobs.releaseTemp(temp);
    }
  }

  /** The checksum database's lines for the version; undefined when this path is exempt from verification. */
  private async verified(modulePath: string, version: string): Promise<GoSumLines | undefined> {
    if (!this.sumdb || matchPrefixPatterns(this.options.noSumdb, modulePath)) return undefined;
    try {
      return await this.sumdb.lookup(modulePath, version);
    } catch (err) {
      if (err instanceof DomainError && err.kind === 'NotFound') {
        this.refuse(modulePath, version, `not in the checksum database ${this.sumdb.name}; a module it cannot know (a private upstream's) belongs in UPSTREAM_NOSUMDB`);
      }
      throw err;
    }
  }

  /** Logs a stored version; a version this registry logged with other bytes is refused, never stored. */
  private async logged(tx: ChecksumLogTx, entry: LogEntry): Promise<void> {
    try {
      await this.log.append(tx, entry);
    } catch (err) {
      if (err instanceof DomainError && err.kind === 'Conflict') this.refuse(entry.modulePath, entry.version, err.message);
      throw err;
    }
  }

  private refuse(modulePath: string, version: string, reason: string): never {
    this.observer.refused(modulePath, version, reason);
    throw upstreamFailed(`${modulePath}@${version}: refused: ${reason}`);
  }

  /** A list or latest answer: fresh from storage, else from the upstream, else stale, else from stored versions. */
  private async answer(modulePath: string, kind: 'list' | 'latest', fetch: () => Promise<Buffer>): Promise<Buffer> {
    const stored = await this.repo.findAnswer(modulePath, kind);
    const fresh = stored && Date.now() - stored.fetchedAt.getTime() < this.options.listTtlMs;
    if (stored && (fresh || this.options.offline)) {
      this.observer.served(kind, 'hit');
      return stored.body;
    }
    if (this.options.offline) return this.fromStoredVersions(modulePath, kind);
    try {
      const body = await this.remembering(`${kind}:${modulePath}`, fetch);
      await this.repo.saveAnswer(modulePath, kind, body);
      this.observer.served(kind, 'miss');
      return body;
    } catch (err) {
      if (err instanceof DomainError && err.kind === 'NotFound') throw err;
      if (stored) {
        this.observer.served(kind, 'stale');
        return stored.body;
      }
      return this.fromStoredVersions(modulePath, kind, err);
    }
  }

  private async fromStoredVersions(modulePath: string, kind: 'list' | 'latest', cause?: unknown): Promise<Buffer> {
    const versions = await this.repo.listVersions(modulePath);
    if (versions.length === 0) throw cause ?? notFound(`${modulePath} not found (no upstream: only cached modules are served)`);
    this.observer.served(kind, 'stale');
    if (kind === 'list') return Buffer.from(listedVersions(versions).map((v) => v + '\n').join(''));
    const v = await this.repo.findVersion(modulePath, latestVersion(versions)!);
    return v!.info;
  }

  /** Runs fetch, remembering a NotFound for key (for notFoundTtlMs); failures are never remembered. */
  private async remembering<T>(key: string, fetch: () => Promise<T>): Promise<T> {
    const known = this.notFound.get(key);
    if (known) throw known;
    try {
      return await fetch();
    } catch (err) {
      if (err instanceof DomainError && err.kind === 'NotFound' && this.options.notFoundTtlMs > 0) this.notFound.set(key, err);
      throw err;
    }
  }
}
