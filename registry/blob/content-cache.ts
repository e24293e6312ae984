/**
 * Whole small blobs kept in memory, least recently used out first (ZIP_CACHE_MB).
 *
 * A build's module graph is mostly zips under 1 MiB that every CI job downloads again.
 * Answered from memory, such a download costs no file system round trip through the
 * thread pool and one copy fewer; in bench/ that made 200 small zips in a row about as
 * fast as nginx's `sendfile`. The buffers are shared by every response that sends
 * them, so nothing may write to them.
 *
 * A blob deleted while it was being read is not stored afterwards (the generation
 * moved on), so a delete leaves nothing of the blob behind in this process.
 */
import { LRUCache } from 'lru-cache';

const MiB = 1024 * 1024;
/** Bytes counted per entry besides the content: the key, the LRU's bookkeeping. */
const ENTRY_OVERHEAD = 256;

export interface ContentCacheStats {
  bytes: number;
  hits: number;
  misses: number;
}

export class ContentCache {
  private generation = 0;
  private hits = 0;
  private misses = 0;
  private readonly lru: LRUCache<string, Buffer>;
  /** Larger blobs are streamed, never cached: 1 MiB, or a sixteenth of a small cache. */
  readonly maxEntryBytes: number;

  constructor(maxBytes: number) {
    this.maxEntryBytes = Math.min(MiB, Math.floor(maxBytes / 16));
    this.lru = new LRUCache<string, Buffer>({ maxSize: maxBytes, sizeCalculation: (b) => b.length + ENTRY_OVERHEAD });
  }

  get(key: string): Buffer | undefined {
    const whole = this.lru.get(key);
    if (whole) this.hits++;
    return whole;
  }

  /** A token for `set`: a read started now may store its result unless a `forget` comes first. */
  begin(): number {
    return this.generation;
  }

  /** Stores a blob read because `get` had none (a miss), unless it was forgotten since `begin`. */
  set(key: string, whole: Buffer, since: number): void {
    this.misses++;
    if (since === this.generation && whole.length <= this.maxEntryBytes) this.lru.set(key, whole);
  }

  forget(key: string): void {
    this.generation++;
    this.lru.delete(key);
  }

  clear(): void {
    this.generation++;
    this.lru.clear();
  }

  /** For /metrics: bytes held (with the per-entry overhead), and reads answered from memory or not. */
  stats(): ContentCacheStats {
    return { bytes: this.lru.calculatedSize, hits: this.hits, misses: this.misses };
  }
}
