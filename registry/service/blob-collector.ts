/**
 * Removes blob files no committed version references. Files are only ever removed
 * here, after the transaction that dropped their last reference committed, one blob at
 * a time under its lock (so two collectors never wait on each other in a cycle): a
 * crash before that leaves an unreferenced file for the sweeper, never a listed version
 * without its file. A publish of the same bytes takes the same lock before it checks
 * for the file, so it either is counted here or places the file again afterwards.
 * While a backup is being taken nothing is removed (`mayRemoveFiles`): the sweeper
 * removes those files later.
 */
import type { BlobStore } from '../blob/blob-store.js';
import type { ModuleVersionRepository } from '../repository/module-version-repository.js';

export interface CollectedBlobs {
  count: number;
  bytes: number;
  /** Unreferenced files left for a later sweep because a backup was being taken. */
  held: number;
}

export class BlobCollector {
  constructor(
    private readonly repo: ModuleVersionRepository,
    private readonly blobs: BlobStore,
  ) {}

  async removeUnreferenced(keys: Iterable<string>): Promise<CollectedBlobs> {
    const removed = { count: 0, bytes: 0, held: 0 };
    for (const key of [...new Set(keys)].sort()) {
      const bytes = await this.repo.transaction(async (tx) => {
        await tx.lockBlob(key);
        if ((await tx.countBlobReferences(key)) > 0) return undefined;
        if (!(await tx.mayRemoveFiles())) {
          removed.held++;
          return undefined;
        }
        const size = await this.blobs.stat(key);
        if (size !== undefined) await this.blobs.delete(key);
        return size;
      });
      if (bytes === undefined) continue;
      removed.count++;
      removed.bytes += bytes;
    }
    return removed;
  }
}
