/**
 * Storage port for module zips. Keys are the SHA-256 of the content, so putting the
 * same bytes twice is a no-op and identical zips are stored once.
 */
import type { Readable } from 'node:stream';

export interface ByteRange {
  start: number;
  /** inclusive */
  end: number;
}

export interface BlobStore {
  /** Moves a finished temp file (from tempPath) into the store under key. */
  put(key: string, tempFile: string): Promise<{ created: boolean }>;
  /** A read stream of the blob (or of a byte range of it); NotFound when absent. */
  open(key: string, range?: ByteRange): Promise<Readable>;
  /** A byte range of the blob in memory, for small ones; NotFound when absent. */
  read(key: string, range: ByteRange): Promise<Buffer>;
  /** Size in bytes, or undefined when absent. */
  stat(key: string): Promise<number | undefined>;
  delete(key: string): Promise<void>;
  list(): AsyncIterable<string>;
  /** A fresh path for an upload in progress, on the same file system as the blobs. */
  tempPath(): string;
  /** Readiness: the store can be written. */
  checkWritable(): Promise<void>;
}
