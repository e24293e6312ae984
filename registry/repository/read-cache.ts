/**
 * In-memory answers to what the GOPROXY read path asks the database for on every
 * request: owners by name, tokens by digest and grants (all of them, `owner-directory.ts`),
 * module versions and version lists (bounded LRU caches). Entries are dropped when
 * the data changes:
 *
 * - by this process right after its own write commits (so its next answer is fresh),
 * - by every other process through the database's change notifications
 *   (migration 0003, `change-listener.ts`); while those are not being received, the
 *   cache is off and every read goes to the database.
 *
 * A load that started before an invalidation is not stored (the generation
 * changed), so a read racing a delete can never put the deleted row back. A missing
 * version or list is not cached; a missing owner or token is answered by the
 * directory, which knows them all.
 */
import { LRUCache } from 'lru-cache';
import type { ModuleVersion, VersionSummary } from '../domain/module-version.js';
import type { Grant } from '../domain/identity.js';
import type { Owner } from '../domain/owner.js';
import { UNKNOWN, type Known } from './known.js';
import { OwnerDirectory, type DirectoryRows } from './owner-directory.js';
import type { TokenRecord } from './owner-repository.js';

/** What changed, as the local write paths and the notification trigger describe it. */
export type Change =
  | { table: 'owners'; owner: string }
  | { table: 'tokens'; owner: string }
  | { table: 'access_grants'; owner: string }
  | { table: 'module_versions'; owner: string; modulePath?: string }
  /** A public module's cached version removed (an admin eviction): held by the pull-through cache, not here. */
  | { table: 'cached_versions'; modulePath: string };

/**
 * What a process keeps in memory from the shared database and must drop when another
 * process changes it: told each change, to drop everything, and whether changes are
 * being heard at all (off: nothing held may be trusted, so nothing is kept).
 */
export interface ChangeSink {
  apply(change: Change): void;
  clear(): void;
  setEnabled(on: boolean): void;
}

/** One sink that tells each of several. */
export const changeSinks = (sinks: ChangeSink[]): ChangeSink => ({
  apply: (change) => sinks.forEach((s) => s.apply(change)),
  clear: () => sinks.forEach((s) => s.clear()),
  setEnabled: (on) => sinks.forEach((s) => s.setEnabled(on)),
});

const MiB = 1024 * 1024;
const SEP = '\u0000';

/** One cache whose loads only store when no invalidation happened meanwhile. */
class GuardedCache<V extends object> {
  private generation = 0;
  readonly lru: LRUCache<string, V>;

  constructor(options: { maxBytes: number; size: (v: V) => number }) {
    this.lru = new LRUCache<string, V>({
      maxSize: options.maxBytes,
      maxEntrySize: Math.max(1, Math.floor(options.maxBytes / 16)),
      sizeCalculation: (v) => Math.max(1, options.size(v)),
    });
  }

  async get(key: string, enabled: boolean, load: () => Promise<V | undefined>): Promise<V | undefined> {
    if (enabled) {
      const hit = this.lru.get(key);
      if (hit !== undefined) return hit;
    }
    const generation = this.generation;
    const value = await load();
    if (enabled && value !== undefined && generation === this.generation) this.lru.set(key, value);
    return value;
  }

  invalidate(matches?: (key: string) => boolean): void {
    this.generation++;
    if (!matches) return this.lru.clear();
    for (const key of [...this.lru.keys()]) if (matches(key)) this.lru.delete(key);
  }
}

export interface ReadCacheOptions {
  /** Upper bound of the bytes all entries together may take (approximate). */
  maxBytes?: number;
  /** false until change notifications are being received (PostgreSQL); true for a single-process database. */
  enabled?: boolean;
  /** Every owner and token, for the directory; without it owner and token lookups are not cached. */
  loadDirectory?: () => Promise<DirectoryRows>;
}

export class ReadCache implements ChangeSink {
  private on: boolean;
  private readonly directory: OwnerDirectory | undefined;
  private readonly versions: GuardedCache<ModuleVersion>;
  private readonly lists: GuardedCache<VersionSummary[]>;

  constructor(options: ReadCacheOptions = {}) {
    const total = options.maxBytes ?? 64 * MiB;
    this.on = options.enabled ?? true;
    this.directory = options.loadDirectory && new OwnerDirectory(options.loadDirectory, { enabled: this.on });
    this.versions = new GuardedCache({ maxBytes: total / 2, size: (v) => 512 + (v.goMod?.length ?? 0) });
    this.lists = new GuardedCache({ maxBytes: total / 2, size: (l) => 128 + l.length * 64 });
  }

  get enabled(): boolean {
    return this.on;
  }

  /** Turns caching on or off; either way everything held so far is dropped. */
  setEnabled(on: boolean): void {
    this.clear();
    this.on = on;
    this.directory?.setEnabled(on);
  }

  /** The owner, from the directory when it is complete (a miss there is authoritative), else from load. */
  owner(name: string, load: () => Promise<Owner | undefined>): Promise<Owner | undefined> {
    const snapshot = this.on ? this.directory?.current() : undefined;
    return snapshot ? Promise.resolve(snapshot.owners.get(name)) : load();
  }

  /** Every owner by name, from the directory when it is complete, else from load. */
  ownerList(load: () => Promise<Owner[]>): Promise<Owner[]> {
    const snapshot = this.on ? this.directory?.current() : undefined;
    return snapshot ? Promise.resolve(snapshot.ownerList) : load();
  }

  token(digest: string, load: () => Promise<TokenRecord | undefined>): Promise<TokenRecord | undefined> {
    const snapshot = this.on ? this.directory?.current() : undefined;
    return snapshot ? Promise.resolve(snapshot.tokens.get(digest)) : load();
  }

  /** The owner whose claim covers the module path, from the directory when complete, else from load. */
  claimant(modulePath: string, load: () => Promise<string | undefined>): Promise<string | undefined> {
    const snapshot = this.on ? this.directory?.current() : undefined;
    return snapshot ? Promise.resolve(snapshot.claims.ownerOf(modulePath)) : load();
  }

  /** Every grant, from the directory when it is complete, else from load. */
  grants(load: () => Promise<Grant[]>): Promise<Grant[]> {
    const snapshot = this.on ? this.directory?.current() : undefined;
    return snapshot ? Promise.resolve(snapshot.grants) : load();
  }

  /** Resolves once a directory rebuild in flight has ended (tests). */
  directorySettled(): Promise<void> {
    return this.directory?.settled() ?? Promise.resolve();
  }

  knownOwner(name: string): Known<Owner | undefined> {
    const snapshot = this.on ? this.directory?.current() : undefined;
    return snapshot ? snapshot.owners.get(name) : UNKNOWN;
  }

  knownToken(digest: string): Known<TokenRecord | undefined> {
    const snapshot = this.on ? this.directory?.current() : undefined;
    return snapshot ? snapshot.tokens.get(digest) : UNKNOWN;
  }

  knownClaimant(modulePath: string): Known<string | undefined> {
    const snapshot = this.on ? this.directory?.current() : undefined;
    return snapshot ? snapshot.claims.ownerOf(modulePath) : UNKNOWN;
  }

  /** A held version; a version not held is UNKNOWN (a miss is never cached). */
  knownVersion(owner: string, modulePath: string, version: string): Known<ModuleVersion> {
    return (this.on && this.versions.lru.get(owner + SEP + modulePath + SEP + version)) || UNKNOWN;
  }

  /** A held version list (never empty: an empty one is not cached). */
  knownVersionList(owner: string, modulePath: string): Known<VersionSummary[]> {
    return (this.on && this.lists.lru.get(owner + SEP + modulePath + SEP)) || UNKNOWN;
  }

  version(owner: string, modulePath: string, version: string, load: () => Promise<ModuleVersion | undefined>) {
    return this.versions.get(owner + SEP + modulePath + SEP + version, this.on, load);
  }

  versionList(owner: string, modulePath: string, load: () => Promise<VersionSummary[]>) {
    // An empty list is "not found": never cached, like the other misses.
    return this.lists.get(owner + SEP + modulePath + SEP, this.on, async () => {
      const list = await load();
      return list.length > 0 ? list : undefined;
    }).then((list) => list ?? []);
  }

  /** Drops every entry the change may have made stale. */
  apply(change: Change): void {
    switch (change.table) {
      case 'owners':
      case 'tokens':
      case 'access_grants':
        // Rare (admin changes): the whole directory is rebuilt.
        this.directory?.invalidate();
        return;
      case 'cached_versions':
        return;
      case 'module_versions': {
        const prefix = change.owner + SEP + (change.modulePath === undefined ? '' : change.modulePath + SEP);
        this.versions.invalidate((k) => k.startsWith(prefix));
        this.lists.invalidate((k) => k.startsWith(prefix));
      }
    }
  }

  clear(): void {
    this.directory?.invalidate();
    for (const c of [this.versions, this.lists]) c.invalidate();
  }
}
