/**
 * BlobStore on a local folder (a PersistentVolume in Kubernetes):
 * `blobs/sha256/ab/abcdef…` plus `tmp/` for uploads in flight. Temp files live on the
 * same file system so publishing is an atomic rename after an fsync.
 *
 * Every read opens the blob's file and closes it when done. With a content cache, whole
 * small blobs are kept in memory (`content-cache.ts`): a blob's file never changes, so
 * they cannot go stale; a delete drops them.
 */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, open, readdir, rename, rm, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { copyBlobsTo } from './copy-blobs.js';
import { isOutOfSpace, notFound, outOfSpace } from '../domain/domain-error.js';
import type { BlobReader, BlobStore, ByteRange, StoredBlob } from './blob-store.js';
import { ContentCache, type ContentCacheStats } from './content-cache.js';
import { TempFolder } from './temp-folder.js';

const KEY = /^[0-9a-f]{64}$/;

export interface FsBlobStoreOptions {
  /** Bytes of whole small blobs kept in memory (ZIP_CACHE_MB); 0 or absent: none. */
  contentCacheBytes?: number;
}

export class FsBlobStore implements BlobStore {
  private readonly blobDir: string;
  private readonly temps: TempFolder;
  private readonly contents: ContentCache | undefined;

  private constructor(root: string, options: FsBlobStoreOptions) {
    this.blobDir = path.join(root, 'blobs', 'sha256');
    this.temps = new TempFolder(path.join(root, 'tmp'));
    if (options.contentCacheBytes) this.contents = new ContentCache(options.contentCacheBytes);
  }

  static async open(root: string, options: FsBlobStoreOptions = {}): Promise<FsBlobStore> {
    const store = new FsBlobStore(root, options);
    await mkdir(store.blobDir, { recursive: true });
    await store.temps.create();
    return store;
  }

  private pathOf(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid blob key ${JSON.stringify(key)}`);
    return path.join(this.blobDir, key.slice(0, 2), key);
  }

  async prepare(tempFile: string): Promise<void> {
    await fsyncFile(tempFile).catch(storageError);
  }

  /**
   * The rename is atomic: a reader sees no blob or the whole one. Durable once the folder
   * holding the new name is synced, and, for a new shard folder, the folder holding that.
   */
  async put(key: string, tempFile: string): Promise<{ created: boolean }> {
    const target = this.pathOf(key);
    if ((await this.stat(key)) !== undefined) {
      await rm(tempFile, { force: true });
      return { created: false };
    }
    const shard = path.dirname(target);
    try {
      const created = await mkdir(shard, { recursive: true });
      if (created !== undefined) await fsyncFile(this.blobDir);
      await rename(tempFile, target);
      await fsyncFile(shard);
    } catch (err) {
      storageError(err);
    }
    return { created: true };
  }

  async openReader(key: string): Promise<BlobReader> {
    const file = await this.openBlob(key);
    return {
      read: async (buffer, offset, length, position) => (await file.read(buffer, offset, length, position)).bytesRead,
      close: () => file.close(),
    };
  }

  private openBlob(key: string): Promise<FileHandle> {
    return open(this.pathOf(key), 'r').catch(notFoundIfMissing(key));
  }

  async read(key: string, range: ByteRange): Promise<Buffer> {
    const cached = this.contents?.get(key);
    if (cached) return slice(key, cached, range);
    const since = this.contents?.begin();
    const file = await this.openBlob(key);
    try {
      if (this.contents && since !== undefined) {
        const { size } = await file.stat();
        if (size <= this.contents.maxEntryBytes) {
          // Its own memory (not a slice of Node's shared pool), since the cache keeps it.
          const whole = await readFully(key, file, Buffer.allocUnsafeSlow(size), 0);
          this.contents.set(key, whole, since);
          return slice(key, whole, range);
        }
      }
      return await readFully(key, file, Buffer.allocUnsafe(range.end - range.start + 1), range.start);
    } finally {
      await file.close();
    }
  }

  async stat(key: string): Promise<number | undefined> {
    try {
      return (await stat(this.pathOf(key))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    this.contents?.forget(key);
    await unlink(this.pathOf(key)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  async *list(): AsyncIterable<StoredBlob> {
    for (const shard of await readdir(this.blobDir)) {
      const names = await readdir(path.join(this.blobDir, shard)).catch(() => []);
      for (const name of names) {
        if (!KEY.test(name)) continue;
        const info = await stat(path.join(this.blobDir, shard, name)).catch(() => undefined);
        if (info) yield { key: name, size: info.size, modifiedAt: info.mtime };
      }
    }
  }

  /** `blobs/sha256/ab/abcdef…` under target, as under this store's root. */
  copyTo(target: string): Promise<{ count: number; bytes: number }> {
    return copyBlobsTo(this.list(), target, async (key, to) => {
      try {
        await copyFile(this.pathOf(key), to);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw err;
      }
    });
  }

  /** The content cache's figures, undefined without one. */
  contentCacheStats(): ContentCacheStats | undefined {
    return this.contents?.stats();
  }

  async close(): Promise<void> {
    this.contents?.clear();
  }

  tempPath(): string {
    return this.temps.path();
  }

  async checkWritable(): Promise<void> {
    const probe = path.join(this.temps.dir, `.ready-${randomUUID()}`);
    await writeFile(probe, '');
    await unlink(probe);
  }

  releaseTemp(tempFile: string): Promise<void> {
    return this.temps.release(tempFile);
  }

  removeTempsOlderThan(before: Date): Promise<{ count: number; bytes: number }> {
    return this.temps.removeOlderThan(before);
  }
}

/** A full disk (or quota) is the client's 507, with a message; other errors stay as they are. */
function storageError(err: unknown): never {
  throw isOutOfSpace(err) ? outOfSpace() : err;
}

const notFoundIfMissing = (key: string) => (err: NodeJS.ErrnoException) => {
  throw err.code === 'ENOENT' ? notFound(`blob ${key} not found`) : err;
};

/** Fills `buffer` from `position`; never returns uninitialised memory for a blob shorter than expected. */
async function readFully(key: string, file: FileHandle, buffer: Buffer, position: number): Promise<Buffer> {
  for (let filled = 0; filled < buffer.length; ) {
    const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, position + filled);
    if (bytesRead === 0) throw new Error(`blob ${key} is shorter than ${position + buffer.length} bytes`);
    filled += bytesRead;
  }
  return buffer;
}

function slice(key: string, whole: Buffer, range: ByteRange): Buffer {
  if (range.end >= whole.length) throw new Error(`blob ${key} is shorter than ${range.end + 1} bytes`);
  return whole.subarray(range.start, range.end + 1);
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
