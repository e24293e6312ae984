/**
 * Storage port for module zips. Keys are the SHA-256 of the content, so putting the
 * same bytes twice is a no-op and identical zips are stored once.
 */
export interface ByteRange {
  start: number;
  /** inclusive */
  end: number;
}

/** An open blob, read at positions into the caller's buffers (so they can be reused). */
export interface BlobReader {
  /** Reads up to `length` bytes at `position` into `buffer` from `offset`; resolves the count, 0 at the end. */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

/** A stored blob as the sweeper sees it. */
export interface StoredBlob {
  key: string;
  size: number;
  /** When it was written: the sweeper leaves blobs younger than its grace period alone. */
  modifiedAt: Date;
}

export interface BlobStore {
  /**
   * The slow part of storing a finished temp file (making its bytes durable), done
   * before any lock is taken so that `put` under the lock is quick.
   */
  prepare(tempFile: string): Promise<void>;
  /** Moves a prepared temp file (from tempPath) into the store under key, durably. */
  put(key: string, tempFile: string): Promise<{ created: boolean }>;
  /**
   * The blob opened for positioned reads; NotFound when absent. The caller closes it.
   * `from`: where the first read will be (a hint: a remote store starts fetching there).
   */
  openReader(key: string, from?: number): Promise<BlobReader>;
  /**
   * A byte range of the blob in memory, for small ones; NotFound when absent. The bytes may
   * come from a buffer the store keeps and shares between readers: never write to them.
   */
  read(key: string, range: ByteRange): Promise<Buffer>;
  /**
   * A short-lived URL from which a client can download the blob itself, without credentials
   * of its own (a presigned S3 URL), or undefined: the store has none or is not set to give
   * them. `filename` is what a browser would save it as.
   */
  downloadUrl?(key: string, filename: string): Promise<string | undefined>;
  /** Size in bytes, or undefined when absent. */
  stat(key: string): Promise<number | undefined>;
  delete(key: string): Promise<void>;
  list(): AsyncIterable<StoredBlob>;
  /**
   * Copies every blob (no temp files) into the folder `target`, in the layout this store
   * keeps under its root, with modification times kept; blobs placed meanwhile may or may
   * not be included. A backup's copy: restored by copying it back under a new root.
   */
  copyTo(target: string): Promise<{ count: number; bytes: number }>;
  /** A fresh path for an upload in progress, on the same file system as the blobs; in use until released. */
  tempPath(): string;
  /** Done with a temp file from tempPath (placed by put or given up): removed if still there. */
  releaseTemp(tempFile: string): Promise<void>;
  /**
   * Removes temp files last written before `before` that no live process is writing
   * (uploads a crash or a lost client left behind; see temp-folder.ts).
   */
  removeTempsOlderThan(before: Date): Promise<{ count: number; bytes: number }>;
  /** Readiness: the store can be written. */
  checkWritable(): Promise<void>;
  /** Lets go of what the store keeps open or in memory (on shutdown). */
  close(): Promise<void>;
}
