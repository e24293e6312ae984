/**
 * BlobStore on a local folder (a PersistentVolume in Kubernetes):
 * `blobs/sha256/ab/abcdef…` plus `tmp/` for uploads in flight. Temp files live on the
 * same file system so publishing is an atomic rename after an fsync.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { notFound } from '../domain/domain-error.js';
import type { BlobReader, BlobStore, ByteRange } from './blob-store.js';

const KEY = /^[0-9a-f]{64}$/;
const STALE_TEMP_MS = 24 * 60 * 60 * 1000;

export class FsBlobStore implements BlobStore {
  private readonly blobDir: string;
  private readonly tmpDir: string;

  private constructor(root: string) {
    this.blobDir = path.join(root, 'blobs', 'sha256');
    this.tmpDir = path.join(root, 'tmp');
  }

  static async open(root: string): Promise<FsBlobStore> {
    const store = new FsBlobStore(root);
    await mkdir(store.blobDir, { recursive: true });
    await mkdir(store.tmpDir, { recursive: true });
    await store.removeStaleTemps();
    return store;
  }

  private pathOf(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid blob key ${JSON.stringify(key)}`);
    return path.join(this.blobDir, key.slice(0, 2), key);
  }

  async put(key: string, tempFile: string): Promise<{ created: boolean }> {
    const target = this.pathOf(key);
    if ((await this.stat(key)) !== undefined) {
      await rm(tempFile, { force: true });
      return { created: false };
    }
    await fsyncFile(tempFile);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(tempFile, target);
    await fsyncFile(path.dirname(target));
    return { created: true };
  }

  async open(key: string, range?: ByteRange): Promise<Readable> {
    const handle = await this.openFile(key);
    // Opening first turns a missing blob into NotFound before any byte is sent.
    return createReadStream('', { fd: handle, ...(range ?? {}) });
  }

  async openReader(key: string): Promise<BlobReader> {
    const handle = await this.openFile(key);
    return {
      read: async (buffer, offset, length, position) => (await handle.read(buffer, offset, length, position)).bytesRead,
      close: () => handle.close(),
    };
  }

  private openFile(key: string) {
    return open(this.pathOf(key), 'r').catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? notFound(`blob ${key} not found`) : err;
    });
  }

  async read(key: string, range: ByteRange, into?: Buffer): Promise<Buffer> {
    const length = range.end - range.start + 1;
    if (into && into.length !== length) throw new RangeError(`read: a buffer of ${into.length} bytes for a range of ${length}`);
    const handle = await this.openFile(key);
    try {
      const buffer = into ?? Buffer.allocUnsafe(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, range.start + filled);
        // Never send uninitialised memory: a blob shorter than recorded is an error.
        if (bytesRead === 0) throw new Error(`blob ${key} is shorter than ${range.end + 1} bytes`);
        filled += bytesRead;
      }
      return buffer;
    } finally {
      await handle.close();
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
    await unlink(this.pathOf(key)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  async *list(): AsyncIterable<string> {
    for (const shard of await readdir(this.blobDir)) {
      for (const name of await readdir(path.join(this.blobDir, shard))) {
        if (KEY.test(name)) yield name;
      }
    }
  }

  tempPath(): string {
    return path.join(this.tmpDir, `upload-${randomUUID()}`);
  }

  async checkWritable(): Promise<void> {
    const probe = path.join(this.tmpDir, `.ready-${randomUUID()}`);
    await writeFile(probe, '');
    await unlink(probe);
  }

  /** Uploads interrupted by a crash leave temp files; a day is far beyond any upload. */
  private async removeStaleTemps(): Promise<void> {
    const now = Date.now();
    for (const name of await readdir(this.tmpDir)) {
      const file = path.join(this.tmpDir, name);
      const info = await stat(file).catch(() => undefined);
      if (info && now - info.mtimeMs > STALE_TEMP_MS) await rm(file, { force: true });
    }
  }
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
