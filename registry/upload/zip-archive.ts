/**
 * Reading a zip from disk without holding it in memory. node-stream-zip parses the
 * central directory (zip64 included) and hands us every entry, duplicates included,
 * which its name-keyed map would hide. Entry data is streamed straight from the file
 * in large reads and inflated with zlib; CRC and size checks are the caller's, with
 * zlib's native CRC-32, because the library's per-byte JS check and 16 KiB reads
 * would make validation the upload's bottleneck.
 */
import StreamZip from 'node-stream-zip';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';

export type ZipEntry = StreamZip.ZipEntry & { flags: number; offset: number };

export interface ZipArchive {
  entries: ZipEntry[];
  /** The entry's uncompressed bytes. */
  stream(entry: ZipEntry): Promise<Readable>;
  close(): Promise<void>;
}

const LOCAL_HEADER_SIZE = 30;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const READ_CHUNK = 1024 * 1024;

export function openZipArchive(file: string): Promise<ZipArchive> {
  return new Promise((resolve, reject) => {
    // Names are validated by our own module rules, which are stricter.
    const zip = new StreamZip({ file, storeEntries: false, skipEntryNameValidation: true });
    const entries: ZipEntry[] = [];
    zip.on('entry', (entry: ZipEntry) => entries.push(entry));
    zip.on('error', (err: Error) => zip.close(() => reject(err)));
    zip.on('ready', () => {
      // The central directory is all we need from the library; entry data is read below.
      zip.close(() =>
        open(file, 'r').then(
          (handle) =>
            resolve({
              entries,
              stream: (entry) => streamEntry(file, handle, entry),
              close: () => handle.close(),
            }),
          reject,
        ),
      );
    });
  });
}

async function streamEntry(file: string, handle: FileHandle, entry: ZipEntry): Promise<Readable> {
  const start = await dataOffset(handle, entry);
  // createReadStream cannot express an empty range; an empty entry has no bytes to read.
  if (entry.compressedSize === 0) return Readable.from([]);
  // Its own descriptor: destroying a stream (an aborted read) closes the descriptor it reads.
  const raw = createReadStream(file, {
    start,
    end: start + entry.compressedSize - 1,
    highWaterMark: READ_CHUNK,
  });
  if (entry.method === 0) return raw;
  const inflate = createInflateRaw({ chunkSize: 64 * 1024 });
  raw.on('error', (err) => inflate.destroy(err));
  inflate.on('close', () => raw.destroy());
  return raw.pipe(inflate);
}

/** Entry data starts after its local header, whose name and extra lengths may differ from the central directory's. */
async function dataOffset(handle: FileHandle, entry: ZipEntry): Promise<number> {
  const header = Buffer.alloc(LOCAL_HEADER_SIZE);
  const { bytesRead } = await handle.read(header, 0, LOCAL_HEADER_SIZE, entry.offset);
  if (bytesRead !== LOCAL_HEADER_SIZE || header.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) {
    throw new Error('invalid local file header');
  }
  return entry.offset + LOCAL_HEADER_SIZE + header.readUInt16LE(26) + header.readUInt16LE(28);
}
