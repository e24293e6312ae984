/**
 * Storage port of the pull-through cache: versions fetched from the upstream (their
 * .info, verified .mod and, once fetched, verified zip in the blob store), @v/list and
 * @latest answers with their age, the checksum database's answers, and the leases that
 * make one fetch per file across replicas. Adapter: `sql/sql-cache-repository.ts`.
 */
import type { ChecksumLogTx } from './checksum-log-repository.js';

export interface CachedVersion {
  modulePath: string;
  version: string;
  info: Buffer;
  goMod: Buffer;
  goModHash: string;
  /** Undefined until the zip was fetched. */
  zip: { blobSha256: string; size: number; hash: string } | undefined;
  verified: boolean;
  fetchedAt: Date;
}

export interface CachedAnswer {
  body: Buffer;
  fetchedAt: Date;
}

export interface CacheRepository {
  findVersion(modulePath: string, version: string): Promise<CachedVersion | undefined>;
  /** Versions of the module the cache holds (for answering @v/list with no upstream). */
  listVersions(modulePath: string): Promise<string[]>;
  /** Saves .info and .mod of a version; a second save of the same version keeps the first. `log` runs in the same transaction. */
  saveVersion(v: Omit<CachedVersion, 'zip' | 'fetchedAt'>, log?: (tx: ChecksumLogTx) => Promise<void>): Promise<void>;
  /** Records the zip of a saved version, inside the blob's lock; `place` puts the file; `log` runs in the same transaction. */
  saveZip(modulePath: string, version: string, zip: NonNullable<CachedVersion['zip']>, place: () => Promise<void>, log?: (tx: ChecksumLogTx) => Promise<void>): Promise<void>;
  /** Removes a module's versions (or one): the versions removed and their blob keys, for the collector. */
  removeVersions(modulePath: string, version?: string): Promise<{ versions: string[]; blobs: string[] }>;
  findAnswer(modulePath: string, kind: 'list' | 'latest'): Promise<CachedAnswer | undefined>;
  saveAnswer(modulePath: string, kind: 'list' | 'latest', body: Buffer): Promise<void>;
  findSumdb(path: string): Promise<CachedAnswer | undefined>;
  saveSumdb(path: string, body: Buffer): Promise<void>;
  /** Takes the lease on key for ttlMs if it is free or lapsed; true when this holder has it. */
  acquireLease(key: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseLease(key: string, holder: string): Promise<void>;
  /** Count and bytes of cached zips (metrics). */
  stats(): Promise<{ versions: number; zips: number; zipBytes: number }>;
}
