/**
 * Temp files as a crash leaves them: named, as blob stores name theirs (temp-folder.ts),
 * after a writer process that is gone — here a child that ran and exited.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { BlobStore } from '../../registry/blob/blob-store.js';

/** The pid of a process that has exited. */
export function deadPid(): number {
  const child = spawnSync('true');
  if (child.pid === undefined || child.error) throw new Error(`could not run true: ${child.error?.message}`);
  return child.pid;
}

/** A path in the store's temp folder for a temp file whose writer crashed. */
export async function crashLeftoverPath(store: BlobStore): Promise<string> {
  const probe = store.tempPath(); // only for its folder: never written
  await store.releaseTemp(probe);
  return path.join(path.dirname(probe), `upload-${deadPid()}-${randomUUID()}`);
}
