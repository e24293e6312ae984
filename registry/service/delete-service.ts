/**
 * Deleting a module version. The blob goes with the last version that references
 * it; the blob lock makes a concurrent publish of identical bytes wait, so it never
 * records a version whose file is being removed.
 */
import type { BlobStore } from '../blob/blob-store.js';
import { notFound } from '../domain/domain-error.js';
import type { ModuleVersionRepository } from '../repository/module-version-repository.js';

export class DeleteService {
  constructor(
    private readonly repo: ModuleVersionRepository,
    private readonly blobs: BlobStore,
  ) {}

  async deleteVersion(owner: string, modulePath: string, version: string): Promise<void> {
    await this.repo.transaction(async (tx) => {
      const blob = await tx.removeVersion(owner, modulePath, version);
      if (!blob) throw notFound(`${modulePath}@${version} not found`);
      await tx.lockBlob(blob);
      if ((await tx.countBlobReferences(blob)) === 0) await this.blobs.delete(blob);
    });
  }
}
