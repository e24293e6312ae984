/**
 * Storage port for module versions. Uniqueness of (owner, module, version) is the
 * storage's decision: a duplicate save is Conflict, never a check-then-insert race.
 * Adapters: `sql/sql-module-version-repository.ts` (PostgreSQL and PGlite), and the
 * read cache in front of it (`cached-repositories.ts`).
 */
import type { ChecksumLogTx } from './checksum-log-repository.js';
import type { ModuleVersion, NewModuleVersion, VersionSummary } from '../domain/module-version.js';

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
  /** The owner whose claim covers the module path, if any; holds off claim changes until commit. */
  claimOwner(modulePath: string): Promise<string | undefined>;
  /** The checksum log in this transaction: the version's record commits with it. */
  readonly checksumLog: ChecksumLogTx;
}

export interface ModuleVersionRepository {
  findVersion(owner: string, modulePath: string, version: string): Promise<ModuleVersion | undefined>;
  listVersions(owner: string, modulePath: string): Promise<VersionSummary[]>;
  /** Which of these blobs some version references (a hint for the sweeper, decided again under the lock). */
  findReferencedBlobs(blobSha256s: readonly string[]): Promise<Set<string>>;
  transaction<T>(fn: (tx: ModuleVersionTx) => Promise<T>): Promise<T>;
}
