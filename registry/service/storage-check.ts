/**
 * The storage check: every version the database references a blob for (uploaded, or kept by
 * the pull-through cache) must have that file, holding exactly the bytes its key names
 * (SHA-256) and as many as the version records. Problems are reported, never repaired by
 * dropping metadata: a listed version without its file is restored from a backup, or deleted
 * by an administrator who decides so. Repair does only what is safe: a sweep, which removes
 * files no version references and stale temp files, both past the grace period (an upload
 * in flight on any replica is younger).
 */
import { createHash } from 'node:crypto';
import type { BlobStore } from '../blob/blob-store.js';
import type { BlobReference, ModuleVersionRepository } from '../repository/module-version-repository.js';
import type { BlobSweeper, SweepResult } from './blob-sweeper.js';

export interface StorageProblem {
  kind: 'missing' | 'corrupt';
  reference: BlobReference;
  detail: string;
}

export interface StorageReport {
  /** Versions checked, and the distinct blobs they reference. */
  references: number;
  blobs: number;
  problems: StorageProblem[];
  /** Files no version references (left by a crash, or uploaded after a restored backup's dump). */
  unreferenced: { count: number; bytes: number };
  /** What the repair's sweep removed, when repairing. */
  repaired: SweepResult | undefined;
}

const CHUNK = 1024 * 1024;

export class StorageCheck {
  constructor(
    private readonly repo: ModuleVersionRepository,
    private readonly blobs: BlobStore,
    private readonly sweeper: BlobSweeper,
  ) {}

  async check(options: { repair?: boolean } = {}): Promise<StorageReport> {
    const references = await this.repo.listBlobReferences();
    const byBlob = new Map<string, BlobReference[]>();
    for (const r of references) byBlob.set(r.blobSha256, [...(byBlob.get(r.blobSha256) ?? []), r]);
    const problems: StorageProblem[] = [];
    for (const [key, refs] of byBlob) {
      const found = await this.inspect(key);
      for (const reference of refs) {
        if (found === undefined) problems.push({ kind: 'missing', reference, detail: `blob ${key} is not in storage` });
        else if (found.sha256 !== key) problems.push({ kind: 'corrupt', reference, detail: `blob ${key} holds bytes whose SHA-256 is ${found.sha256}` });
        else if (found.size !== reference.zipSize) problems.push({ kind: 'corrupt', reference, detail: `blob ${key} has ${found.size} bytes, the version ${reference.zipSize}` });
      }
    }
    const unreferenced = { count: 0, bytes: 0 };
    for await (const blob of this.blobs.list()) {
      if (byBlob.has(blob.key)) continue;
      unreferenced.count++;
      unreferenced.bytes += blob.size;
    }
    const repaired = options.repair ? await this.sweeper.sweep() : undefined;
    return { references: references.length, blobs: byBlob.size, problems, unreferenced, repaired };
  }

  /** The blob's size and the SHA-256 of what it holds; undefined when absent. */
  private async inspect(key: string): Promise<{ size: number; sha256: string } | undefined> {
    const size = await this.blobs.stat(key);
    if (size === undefined) return undefined;
    const reader = await this.blobs.openReader(key).catch(() => undefined);
    if (!reader) return undefined; // removed since
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(CHUNK);
    let total = 0;
    try {
      for (;;) {
        const n = await reader.read(buffer, 0, CHUNK, total);
        if (n === 0) break;
        hash.update(buffer.subarray(0, n));
        total += n;
      }
    } finally {
      await reader.close();
    }
    return { size: total, sha256: hash.digest('hex') };
  }
}
