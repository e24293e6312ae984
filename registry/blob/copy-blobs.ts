/**
 * A store's blobs copied into a folder in the filesystem store's layout
 * (`blobs/sha256/ab/abcdef…`, each file's time its blob's), for backups. `copyOne`
 * writes one blob to its path and answers false when it was removed since it was listed
 * (only possible outside a backup's hold, see blob-collector.ts).
 */
import { mkdir, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { StoredBlob } from './blob-store.js';

export async function copyBlobsTo(
  blobs: AsyncIterable<StoredBlob>,
  target: string,
  copyOne: (key: string, to: string) => Promise<boolean>,
): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  for await (const blob of blobs) {
    const to = path.join(target, 'blobs', 'sha256', blob.key.slice(0, 2), blob.key);
    await mkdir(path.dirname(to), { recursive: true });
    if (!(await copyOne(blob.key, to))) continue;
    await utimes(to, blob.modifiedAt, blob.modifiedAt);
    count++;
    bytes += blob.size;
  }
  return { count, bytes };
}
