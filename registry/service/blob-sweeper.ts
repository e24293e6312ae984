/**
 * The sweeper: removes blob files no version references (left by a crash between
 * placing a file and the commit, or between a delete's commit and its file removal)
 * and temp files of uploads that will never finish. It runs at start and periodically
 * on every replica and worker; anything younger than the grace period is left alone,
 * and each blob is decided again under its lock (blob-collector.ts), so it never races
 * an upload in flight anywhere.
 */
import type { BlobStore, StoredBlob } from '../blob/blob-store.js';
import type { ModuleVersionRepository } from '../repository/module-version-repository.js';
import type { BlobCollector } from './blob-collector.js';

const BATCH = 500;

export interface SweepResult {
  blobs: number;
  blobBytes: number;
  temps: number;
  tempBytes: number;
}

export class BlobSweeper {
  constructor(
    private readonly repo: ModuleVersionRepository,
    private readonly blobs: BlobStore,
    private readonly collector: BlobCollector,
    private readonly graceMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async sweep(): Promise<SweepResult> {
    const cutoff = new Date(this.now() - this.graceMs);
    const temps = await this.blobs.removeTempsOlderThan(cutoff);
    const result: SweepResult = { blobs: 0, blobBytes: 0, temps: temps.count, tempBytes: temps.bytes };
    let batch: StoredBlob[] = [];
    const flush = async () => {
      const referenced = await this.repo.findReferencedBlobs(batch.map((b) => b.key));
      const removed = await this.collector.removeUnreferenced(batch.filter((b) => !referenced.has(b.key)).map((b) => b.key));
      result.blobs += removed.count;
      result.blobBytes += removed.bytes;
      batch = [];
    };
    for await (const blob of this.blobs.list()) {
      if (blob.modifiedAt >= cutoff) continue;
      batch.push(blob);
      if (batch.length >= BATCH) await flush();
    }
    if (batch.length > 0) await flush();
    return result;
  }
}

export interface SweepSchedule {
  stop(): Promise<void>;
}

/** Sweeps now and then every intervalMs (0: once); a failed sweep is reported and tried again next time. */
export function scheduleSweeps(
  sweeper: BlobSweeper,
  intervalMs: number,
  report: (result: SweepResult | undefined, err?: unknown) => void,
): SweepSchedule {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = sweeper.sweep().then(
      (result) => report(result),
      (err: unknown) => report(undefined, err),
    ).finally(() => {
      if (stopped || intervalMs <= 0) return;
      timer = setTimeout(run, intervalMs);
      timer.unref();
    });
  };
  run();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
