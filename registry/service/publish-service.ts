/**
 * Publishing a module version: receive → validate → store. Nothing of a refused
 * upload remains: the temp file is removed on every path, and the blob is placed
 * only inside the transaction that records the version, under the blob's lock. The
 * slow fsync of the upload happens before that transaction, so neither the lock nor a
 * pool connection is held during it. A crash after placing the blob and before the
 * commit leaves an unreferenced file, which the sweeper removes.
 */
import { existsSync } from 'node:fs';
import { DomainError, unavailable } from '../domain/domain-error.js';
import type { BlobStore } from '../blob/blob-store.js';
import type { NewModuleVersion } from '../domain/module-version.js';
import type { ModuleVersionRepository } from '../repository/module-version-repository.js';
import { checkModuleZip, MAX_ZIP_FILE } from '../upload/module-zip-check.js';
import { receiveBody, type UploadBody } from '../upload/receive-body.js';
import { crashPoint } from '../crash-points.js';
import type { VersionLog } from './checksum-log.js';

export interface PublishResult {
  modulePath: string;
  version: string;
  zipHash: string;
  goModHash: string;
  size: number;
}

export class PublishService {
  private readonly limit: number;

  constructor(
    private readonly repo: ModuleVersionRepository,
    private readonly blobs: BlobStore,
    maxUploadBytes: number,
    private readonly log: VersionLog,
  ) {
    // Go itself refuses module zips above 500 MiB, so a larger limit would only store unusable zips.
    this.limit = Math.min(maxUploadBytes, MAX_ZIP_FILE);
  }

  async publish(owner: string, body: UploadBody): Promise<PublishResult> {
    const temp = this.blobs.tempPath();
    try {
      return await this.publishReceived(owner, await receiveBody(body, temp, this.limit));
    } finally {
      await this.blobs.releaseTemp(temp);
    }
  }

  private async publishReceived(owner: string, received: Awaited<ReturnType<typeof receiveBody>>): Promise<PublishResult> {
    crashPoint('publish:received');
    try {
      const zip = await checkModuleZip(received.path);
      crashPoint('publish:validated');
      const record: NewModuleVersion = {
        owner,
        modulePath: zip.modulePath,
        version: zip.version,
        blobSha256: received.sha256,
        zipSize: received.size,
        zipHash: zip.zipHash,
        goMod: zip.goMod,
        goModHash: zip.goModHash,
      };
      await this.blobs.prepare(received.path);
      await this.repo.transaction(async (tx) => {
        const claimant = await tx.claimOwner(record.modulePath);
        if (claimant !== undefined && claimant !== owner) {
          throw new DomainError('Forbidden', `module path ${record.modulePath} is claimed by another owner of this registry: only that owner may publish it`);
        }
        await tx.saveVersion(record); // Conflict (409) here, before any blob is placed
        // Logged with other bytes (by any owner, or before a delete): Conflict naming the logged hashes.
        await this.log.append(tx.checksumLog, { modulePath: record.modulePath, version: record.version, zipHash: record.zipHash, goModHash: record.goModHash, owner });
        crashPoint('publish:row-inserted');
        await tx.lockBlob(record.blobSha256);
        await this.blobs.put(record.blobSha256, received.path);
        crashPoint('publish:blob-placed');
      });
      crashPoint('publish:committed');
      return { modulePath: zip.modulePath, version: zip.version, zipHash: zip.zipHash, goModHash: zip.goModHash, size: received.size };
    } catch (err) {
      // The temp file vanished under us: a sweep with a grace period shorter than this upload took it.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(received.path)) {
        throw unavailable('the upload was removed from the temporary folder while it was processed (SWEEP_GRACE_SECONDS is shorter than the upload took); nothing was stored: send it again');
      }
      throw err;
    }
  }
}
