/**
 * A stored module zip read in place through the BlobStore's ranged reads: yauzl parses
 * the central directory (lazyEntries: one entry at a time) and opens the one entry asked
 * for; nothing else of the zip is read. Reads go through 64 KiB chunks of the blob
 * (`BlobStore.read`, a ranged GET on S3), the tail first, where the end record and
 * usually the whole directory are. The reader holds no descriptor, so an opened zip may
 * be kept (a blob never changes) and read again later.
 */
import { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { BlobStore } from './blob-store.js';

const CHUNK = 64 * 1024;
/** The tail read first: the end record (with its comment, ≤ 64 KiB) and the directory of a typical module. */
const TAIL = 256 * 1024;

/** A file of the zip, its name without the `{module}@{version}/` prefix. */
export interface ZipFileEntry {
  name: string;
  size: number;
  compressedSize: number;
}

export interface OpenedZip {
  entries: ZipFileEntry[];
  /** The entry's bytes when it is at most `maxBytes` long; undefined when there is no such file. */
  readFile(name: string, maxBytes: number): Promise<{ bytes: Buffer } | { tooLarge: number } | undefined>;
}

class BlobRangeReader extends yauzl.RandomAccessReader {
  private tail: { start: number; bytes: Buffer } | undefined;

  constructor(
    private readonly blobs: BlobStore,
    private readonly key: string,
    private readonly size: number,
  ) {
    super();
  }

  /** Bytes [start, end) of the blob: from the kept tail when inside it, else one ranged read. */
  async bytes(start: number, end: number): Promise<Buffer> {
    if (end > this.size || start > end) throw new Error(`read outside the zip (${start}-${end} of ${this.size})`);
    if (!this.tail) {
      const tailStart = Math.max(0, this.size - TAIL);
      this.tail = { start: tailStart, bytes: this.size === 0 ? Buffer.alloc(0) : await this.blobs.read(this.key, { start: tailStart, end: this.size - 1 }) };
    }
    if (start >= this.tail.start) return this.tail.bytes.subarray(start - this.tail.start, end - this.tail.start);
    return start === end ? Buffer.alloc(0) : this.blobs.read(this.key, { start, end: end - 1 });
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    this.bytes(position, position + length).then((b) => (b.copy(buffer, offset), callback(null)), callback);
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const self = this;
    return Readable.from((async function* () {
      for (let at = start; at < end; at += CHUNK) yield await self.bytes(at, Math.min(end, at + CHUNK));
    })());
  }

  override close(callback: (err: Error | null) => void): void {
    callback(null);
  }
}

/** Opens the zip stored under `key` (`size` bytes) and reads its directory. */
export async function openBlobZip(blobs: BlobStore, key: string, size: number): Promise<OpenedZip> {
  const zip = await yauzl.fromRandomAccessReaderPromise(new BlobRangeReader(blobs, key, size), size, {
    lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true,
  });
  const raw = await readEntries(zip);
  const byName = new Map<string, yauzl.Entry>();
  const entries: ZipFileEntry[] = [];
  for (const e of raw) {
    // Names as UTF-8 bytes, as Go's archive/zip and the upload check take them.
    const full = (e.fileNameRaw ?? Buffer.alloc(0)).toString('utf8');
    // The prefix is `{module}@{version}/`; a module path has no '@'.
    const slash = full.indexOf('/', full.indexOf('@'));
    const name = full.slice(slash + 1);
    if (full.indexOf('@') < 0 || slash < 0 || name === '' || name.endsWith('/')) continue;
    byName.set(name, e);
    entries.push({ name, size: e.uncompressedSize, compressedSize: e.compressedSize });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    entries,
    readFile: async (name, maxBytes) => {
      const entry = byName.get(name);
      if (!entry) return undefined;
      if (entry.uncompressedSize > maxBytes) return { tooLarge: entry.uncompressedSize };
      return { bytes: await collect(await zip.openReadStreamPromise(entry)) };
    },
  };
}

function readEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (e: yauzl.Entry) => (entries.push(e), zip.readEntry()));
    zip.once('end', () => resolve(entries));
    zip.once('error', reject);
    zip.readEntry();
  });
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
