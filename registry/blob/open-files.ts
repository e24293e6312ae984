/**
 * Descriptors of recently read blobs, kept open for the next download of the same blob.
 *
 * Every file operation of Node.js is a round trip through libuv's thread pool, and on
 * a VM the thread switches cost more than copying a small zip: opening and closing the
 * file were two of a download's three round trips (bench/). A blob's name is its
 * content's SHA-256 and its file is never rewritten, so a descriptor reads the right
 * bytes for as long as it is open — even after an unlink.
 *
 * A descriptor is closed once it has left the cache (least recently used beyond `max`,
 * `forget` on delete, `clear`) and no read holds it any more.
 */
import { close, fstat, open, read } from 'node:fs';
import { LRUCache } from 'lru-cache';

class OpenFile {
  private holders = 0;
  private evicted = false;

  constructor(
    readonly fd: number,
    readonly size: number,
  ) {}

  hold(): this {
    this.holders++;
    return this;
  }

  release(): void {
    this.holders--;
    this.closeIfUnused();
  }

  evict(): void {
    this.evicted = true;
    this.closeIfUnused();
  }

  private closeIfUnused(): void {
    if (this.evicted && this.holders === 0) close(this.fd, () => {});
  }
}

/** An open blob lent to one reader; `release` exactly once when done. */
export interface HeldFile {
  readonly size: number;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  release(): void;
}

export class OpenFiles {
  // Opens in flight are cached too, so concurrent downloads of one blob open it once.
  private readonly cache: LRUCache<string, Promise<OpenFile>>;

  constructor(max: number) {
    this.cache = new LRUCache<string, Promise<OpenFile>>({
      max,
      dispose: (file) => void file.then((f) => f.evict(), () => {}),
    });
  }

  /** The blob at `file`, opened or reused; rejects as `open` does (ENOENT when absent). */
  async hold(key: string, file: string): Promise<HeldFile> {
    let opening = this.cache.get(key);
    if (!opening) {
      const started = openFile(file);
      opening = started;
      this.cache.set(key, started);
      // A failed open is not remembered: the next read tries again.
      started.catch(() => {
        if (this.cache.peek(key) === started) this.cache.delete(key);
      });
    }
    const held = (await opening).hold();
    let released = false;
    return {
      size: held.size,
      read: (buffer, offset, length, position) => readAt(held.fd, buffer, offset, length, position),
      release: () => {
        if (released) return;
        released = true;
        held.release();
      },
    };
  }

  /** Closes the blob's descriptor once its reads are done (a deleted blob). */
  forget(key: string): void {
    this.cache.delete(key);
  }

  /** Closes every descriptor once its reads are done (the store is closing). */
  clear(): void {
    this.cache.clear();
  }

  get size(): number {
    return this.cache.size;
  }
}

function openFile(file: string): Promise<OpenFile> {
  return new Promise((resolve, reject) =>
    open(file, 'r', (err, fd) => {
      if (err) return reject(err);
      fstat(fd, (statErr, stats) => {
        if (statErr) return close(fd, () => reject(statErr));
        resolve(new OpenFile(fd, stats.size));
      });
    }),
  );
}

// The callback form: FileHandle.read costs a promise machinery of its own per call.
const readAt = (fd: number, buffer: Buffer, offset: number, length: number, position: number) =>
  new Promise<number>((resolve, reject) => read(fd, buffer, offset, length, position, (err, n) => (err ? reject(err) : resolve(n))));
