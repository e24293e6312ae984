/**
 * Deleting a module version: the row goes in one transaction; its blob file goes
 * after the commit, when no other version references it (blob-collector.ts). A crash
 * or a failed commit in between never leaves a listed version without its file: at
 * worst a file nobody references, which the sweeper removes.
 */
import { notFound } from '../domain/domain-error.js';
import { crashPoint } from '../crash-points.js';
import type { ModuleVersionRepository } from '../repository/module-version-repository.js';
import type { BlobCollector } from './blob-collector.js';

export class DeleteService {
  constructor(
    private readonly repo: ModuleVersionRepository,
    private readonly collector: BlobCollector,
    /** A file left after a committed delete is the sweeper's; the delete itself succeeded. */
    private readonly onCleanupError: (err: unknown) => void = () => {},
  ) {}

  async deleteVersion(owner: string, modulePath: string, version: string): Promise<void> {
    const blob = await this.repo.transaction(async (tx) => {
      const removed = await tx.removeVersion(owner, modulePath, version);
      if (!removed) throw notFound(`${modulePath}@${version} not found`);
      crashPoint('delete:row-removed');
      return removed;
    });
    crashPoint('delete:committed');
    await this.collector.removeUnreferenced([blob]).catch(this.onCleanupError);
    crashPoint('delete:files-removed');
  }
}
