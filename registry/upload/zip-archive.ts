/**
 * Reading a zip from disk without holding it in memory. yauzl parses the central
 * directory (zip64 included) and gives every entry, duplicates included, with its flags,
 * method, sizes, CRC and raw name as documented fields, and the local header's data
 * offset. Names are taken as UTF-8 bytes, as Go's archive/zip takes them (no CP437, no
 * Info-ZIP Unicode path field); our module rules validate them, more strictly than
 * yauzl's own checks would.
 *
 * Entry data is read by us: a small entry with one positioned read into a buffer and one
 * inflate (most module files are a few KiB: a stream per entry cost more than the data),
 * a large one streamed in 1 MiB reads. CRC and size checks are the caller's, with zlib's
 * native CRC-32.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createInflateRaw, inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { WindowedFile } from './windowed-file.js';

export interface ZipEntry {
  /** The name's bytes read as UTF-8. */
  name: string;
  /** General purpose bit flag (bit 0: encrypted). */
  flags: number;
  /** Compression method: 0 store, 8 deflate. */
  method: number;
  crc: number;
  compressedSize: number;
  /** Declared uncompressed size. */
  size: number;
  isDirectory: boolean;
  readonly raw: yauzl.Entry;
}

export interface ZipArchive {
  entries: ZipEntry[];
  /** The entry's uncompressed bytes. */
  stream(entry: ZipEntry): Promise<Readable>;
  close(): Promise<void>;
}

const READ_CHUNK = 1024 * 1024;
/** Entries up to this size (compressed and not) are read and inflated in one go. */
const SMALL_ENTRY = 1024 * 1024;

/** yauzl's reads, served from the windowed file. */
class WindowedReader extends yauzl.RandomAccessReader {
  constructor(
    private readonly file: string,
    private readonly windowed: WindowedFile,
  ) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return createReadStream(this.file, { start, end: end - 1 });
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    this.windowed.read(buffer, offset, length, position).then(() => callback(null), callback);
  }

  override close(callback: (err: Error | null) => void): void {
    callback(null);
  }
}

export async function openZipArchive(file: string): Promise<ZipArchive> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const windowed = new WindowedFile(handle, size);
    const zip = await yauzl.fromRandomAccessReaderPromise(new WindowedReader(file, windowed), size, {
      lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false,
    });
    const entries = await readEntries(zip);
    return {
      entries,
      stream: (entry) => streamEntry(zip, file, windowed, entry),
      close: async () => {
        zip.close();
        await handle.close();
      },
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

function readEntries(zip: yauzl.ZipFile): Promise<ZipEntry[]> {
  return new Promise((resolve, reject) => {
    const entries: ZipEntry[] = [];
    zip.on('entry', (raw: yauzl.Entry) => {
      const name = (raw.fileNameRaw ?? Buffer.alloc(0)).toString('utf8');
      entries.push({
        name,
        flags: raw.generalPurposeBitFlag,
        method: raw.compressionMethod,
        crc: raw.crc32,
        compressedSize: raw.compressedSize,
        size: raw.uncompressedSize,
        isDirectory: name.endsWith('/'),
        raw,
      });
      zip.readEntry();
    });
    zip.once('end', () => resolve(entries));
    zip.once('error', reject);
    zip.readEntry();
  });
}

async function streamEntry(zip: yauzl.ZipFile, file: string, windowed: WindowedFile, entry: ZipEntry): Promise<Readable> {
  const { fileDataStart: start } = await zip.readLocalFileHeaderPromise(entry.raw, { minimal: true });
  if (entry.compressedSize === 0) return Readable.from([]);
  if (entry.compressedSize <= SMALL_ENTRY && entry.size <= SMALL_ENTRY) return Readable.from([await readSmall(windowed, entry, start)]);
  // Its own descriptor: destroying a stream (an aborted read) closes the descriptor it reads.
  const raw = createReadStream(file, { start, end: start + entry.compressedSize - 1, highWaterMark: READ_CHUNK });
  if (entry.method === 0) return raw;
  const inflate = createInflateRaw({ chunkSize: 64 * 1024 });
  raw.on('error', (err) => inflate.destroy(err));
  inflate.on('close', () => raw.destroy());
  return raw.pipe(inflate);
}

async function readSmall(windowed: WindowedFile, entry: ZipEntry, start: number): Promise<Buffer> {
  const data = Buffer.allocUnsafe(entry.compressedSize);
  await windowed.read(data, 0, data.length, start);
  if (entry.method === 0) return data;
  try {
    // One byte more than declared, so "larger than declared" is seen without inflating a bomb.
    return inflateRawSync(data, { maxOutputLength: entry.size + 1 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new Error(`uncompressed size is larger than declared size (${entry.size} bytes)`);
    }
    throw err;
  }
}
