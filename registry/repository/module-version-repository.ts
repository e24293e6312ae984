/**
 * Storage port for module versions. Uniqueness of (owner, module, version) is the
 * storage's decision: a duplicate save is Conflict, never a check-then-insert race.
 * Adapters: `sql/sql-module-version-repository.ts` (PostgreSQL and PGlite), and the
 * read cache in front of it (`cached-repositories.ts`).
 */
import type { ChecksumLogTx } from './checksum-log-repository.js';
import type { ModuleVersion, NewModuleVersion, VersionSummary } from '../domain/module-version.js';
import type { Known } from './known.js';

/** Operations that must share one transaction with blob placement or removal. */
export interface ModuleVersionTx {
  saveVersion(v: NewModuleVersion): Promise<void>;
  /** Removes the row; returns its blob key, or undefined when there was none. */
  removeVersion(owner: string, modulePath: string, version: string): Promise<string | undefined>;
  /**
   * Serialises everything that places or removes this blob's file, across replicas and
   * workers, until commit: publish places the file holding it, and a file is removed only
   * holding it, after counting no committed reference.
   */
  lockBlob(blobSha256: string): Promise<void>;
  /** Committed versions that reference the blob (plus this transaction's own). */
  countBlobReferences(blobSha256: string): Promise<number>;
  /**
   * Whether blob files may be removed now: false while a backup holds removals off
   * (backup-ports.ts), so that its copy of the files, taken after its database dump, has every
   * file the dump references. When true, no backup can start before this transaction ends.
   */
  mayRemoveFiles(): Promise<boolean>;
  /** The owner whose claim covers the module path, if any; holds off claim changes until commit. */
  claimOwner(modulePath: string): Promise<string | undefined>;
  /** The checksum log in this transaction: the version's record commits with it. */
  readonly checksumLog: ChecksumLogTx;
}

/** A version whose zip is the blob: an uploaded one (with its owner) or one the pull-through cache keeps. */
export interface BlobReference {
  source: 'hosted' | 'cache';
  owner: string | undefined;
  modulePath: string;
  version: string;
  blobSha256: string;
  zipSize: number;
}

export interface ModuleVersionRepository {
  findVersion(owner: string, modulePath: string, version: string): Promise<ModuleVersion | undefined>;
  listVersions(owner: string, modulePath: string): Promise<VersionSummary[]>;
  /** findVersion's and listVersions' answers when held in memory (the read cache), else UNKNOWN. */
  knownVersion?(owner: string, modulePath: string, version: string): Known<ModuleVersion>;
  knownVersionList?(owner: string, modulePath: string): Known<VersionSummary[]>;
  /** Every committed reference to a blob, hosted versions' and the pull-through cache's, by blob (the storage check). */
  listBlobReferences(): Promise<BlobReference[]>;
  /** Which of these blobs some version references (a hint for the sweeper, decided again under the lock). */
  findReferencedBlobs(blobSha256s: readonly string[]): Promise<Set<string>>;
  transaction<T>(fn: (tx: ModuleVersionTx) => Promise<T>): Promise<T>;
}
