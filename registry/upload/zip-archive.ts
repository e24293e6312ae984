/**
 * Reading a zip from disk without holding it in memory, seeing the entries Go's
 * archive/zip sees. yauzl parses the central directory (zip64 included) and gives every
 * entry, duplicates included, with its flags, method, sizes, CRC and raw name as
 * documented fields; the directory must start where archive/zip finds it
 * (zip-directory-end.ts) and hold no header past yauzl's count. Names are taken as UTF-8
 * bytes, as Go's archive/zip takes them (no CP437, no Info-ZIP Unicode path field); our
 * module rules validate them, more strictly than yauzl's own checks would.
 *
 * Local headers are read as archive/zip's findBodyOffset reads them (signature, name and
 * extra lengths), and an entry's data is cut at the end of the file, as a SectionReader
 * cuts it. Entry data is read by us: a small entry with one positioned read into a buffer and one
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
import { centralHeaderAt, goDirectoryStart } from './zip-directory-end.js';

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
  /** Reads the entry's local header (where archive/zip finds its data); fails when there is none. */
  dataStart(entry: ZipEntry): Promise<number>;
  /**
   * The CRC-32 in the data descriptor after an entry's data (flag bit 3), read as
   * archive/zip reads it: 12 bytes, or 16 when they start with the optional signature.
   */
  descriptorCrc(entry: ZipEntry): Promise<number>;
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
    const entries = await readSameEntriesAsGo(zip, windowed);
    return {
      entries,
      stream: (entry) => streamEntry(windowed, file, entry),
      dataStart: (entry) => dataStart(windowed, entry),
      descriptorCrc: async (entry) => descriptorCrc(windowed, (await dataStart(windowed, entry)) + entry.compressedSize),
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

/** yauzl's read position in the central directory (a number, whatever its typings say). */
const cursor = (zip: yauzl.ZipFile) => (zip as unknown as { readEntryCursor: number }).readEntryCursor;

/**
 * yauzl's entries, when they are the ones archive/zip reads: its central directory
 * starts where go's does, and no further header follows the last one (go reads headers
 * until one is not, then refuses a count that differs from the end record's).
 */
async function readSameEntriesAsGo(zip: yauzl.ZipFile, windowed: WindowedFile): Promise<ZipEntry[]> {
  const goStart = await goDirectoryStart(windowed);
  if (typeof goStart === 'string') throw new Error(goStart);
  if (goStart !== cursor(zip)) {
    throw new Error('the central directory is not where the end record says it is (data before the zip, as in a self-extracting archive?)');
  }
  const entries = await readEntries(zip);
  // archive/zip stops at a header whose compressed size or offset says "in the zip64 field" without one.
  if (entries.some((e) => e.compressedSize === 0xffffffff || e.raw.relativeOffsetOfLocalHeader === 0xffffffff)) {
    throw new Error('a compressed size or header offset of 0xFFFFFFFF without a zip64 extra field');
  }
  if (await centralHeaderAt(windowed, cursor(zip))) throw new Error('the central directory has more entries than its end record counts');
  return entries;
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

/**
 * archive/zip's findBodyOffset: the local header must be there with its signature; its
 * name and extra lengths give where the data starts. Nothing else in it is used.
 */
async function dataStart(windowed: WindowedFile, entry: ZipEntry): Promise<number> {
  const at = entry.raw.relativeOffsetOfLocalHeader;
  if (at + 30 > windowed.size) throw new Error('the local file header is outside the file');
  const header = Buffer.alloc(30);
  await windowed.read(header, 0, 30, at);
  if (header.readUInt32LE(0) !== 0x04034b50) throw new Error('invalid local file header signature');
  return at + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
}

/** The stored bytes go reads: the declared compressed size, cut short where the file ends. */
const storedLength = (windowed: WindowedFile, entry: ZipEntry, start: number) => Math.max(0, Math.min(entry.compressedSize, windowed.size - start));

const DESCRIPTOR_SIGNATURE = 0x08074b50;

async function descriptorCrc(windowed: WindowedFile, at: number): Promise<number> {
  const available = Math.max(0, Math.min(16, windowed.size - at));
  const head = Buffer.alloc(16);
  if (available > 0) await windowed.read(head, 0, available, at);
  const signed = available >= 4 && head.readUInt32LE(0) === DESCRIPTOR_SIGNATURE;
  if (available < (signed ? 16 : 12)) throw new Error('the data descriptor is missing or cut short');
  return head.readUInt32LE(signed ? 4 : 0);
}

async function streamEntry(windowed: WindowedFile, file: string, entry: ZipEntry): Promise<Readable> {
  const start = await dataStart(windowed, entry);
  const length = storedLength(windowed, entry, start);
  if (length === 0 && entry.method === 0) return Readable.from([]);
  if (length <= SMALL_ENTRY && entry.size <= SMALL_ENTRY) return Readable.from([await readSmall(windowed, entry, start, length)]);
  // Its own descriptor: destroying a stream (an aborted read) closes the descriptor it reads.
  const raw: Readable = length === 0 ? Readable.from([]) : createReadStream(file, { start, end: start + length - 1, highWaterMark: READ_CHUNK });
  if (entry.method === 0) return raw;
  const inflate = createInflateRaw({ chunkSize: 64 * 1024 });
  raw.on('error', (err: Error) => inflate.destroy(err));
  inflate.on('close', () => raw.destroy());
  return raw.pipe(inflate);
}

async function readSmall(windowed: WindowedFile, entry: ZipEntry, start: number, length: number): Promise<Buffer> {
  const data = Buffer.allocUnsafe(length);
  if (length > 0) await windowed.read(data, 0, length, start);
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
