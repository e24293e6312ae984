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

/** A cache entry: opens in flight are cached too, so concurrent downloads of one blob open it once. */
interface Entry {
  opening: Promise<OpenFile>;
  /** Set once opened. */
  file?: OpenFile;
}

export class OpenFiles {
  private readonly cache: LRUCache<string, Entry>;

  constructor(max: number) {
    this.cache = new LRUCache<string, Entry>({
      max,
      dispose: (entry) => void entry.opening.then((f) => f.evict(), () => {}),
    });
  }

  /** The blob at `file`, opened or reused; rejects as `open` does (ENOENT when absent). */
  async hold(key: string, file: string): Promise<HeldFile> {
    let held = await this.acquire(key, file);
    let released = false;
    let reopened = false;
    const read = async (buffer: Buffer, offset: number, length: number, position: number): Promise<number> => {
      try {
        return await readAt(held.fd, buffer, offset, length, position);
      } catch (err) {
        // A descriptor can go bad while a fresh open would not: on NFS, another replica
        // that deleted the blob and stored the same bytes again leaves ours ESTALE. Once
        // per reader, the name is opened again (the bytes are the same: the name is their hash).
        if (reopened || released) throw err;
        reopened = true;
        this.drop(key, held);
        const fresh = await this.acquire(key, file);
        held.release();
        held = fresh;
        return readAt(held.fd, buffer, offset, length, position);
      }
    };
    return {
      size: held.size,
      read,
      release: () => {
        if (released) return;
        released = true;
        held.release();
      },
    };
  }

  private acquire(key: string, file: string): Promise<OpenFile> {
    let entry = this.cache.get(key);
    // Held before anything else runs: a descriptor closed by an eviction could have its
    // number reused for another file, so a hold must never come after that close.
    if (entry?.file) return Promise.resolve(entry.file.hold());
    if (!entry) {
      const started: Entry = { opening: openFile(file) };
      entry = started;
      this.cache.set(key, started);
      started.opening.then(
        (f) => void (started.file = f),
        // A failed open is not remembered: the next read tries again.
        () => this.cache.peek(key) === started && this.cache.delete(key),
      );
    }
    // Held in the reaction to the open: an eviction's close is a reaction queued after this one.
    return entry.opening.then((f) => f.hold());
  }

  /** Takes `file` out of the cache if it is still the one there (it closes once unused). */
  private drop(key: string, file: OpenFile): void {
    if (this.cache.peek(key)?.file === file) this.cache.delete(key);
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
