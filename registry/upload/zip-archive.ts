/**
 * Thin promise wrapper over node-stream-zip: reads the central directory (every
 * entry, duplicates included, which the library's name-keyed map would hide) and
 * streams one entry at a time, so no archive is ever held in memory.
 */
import StreamZip from 'node-stream-zip';
import type { Readable } from 'node:stream';

export type ZipEntry = StreamZip.ZipEntry & { flags: number };

export interface ZipArchive {
  entries: ZipEntry[];
  stream(entry: ZipEntry): Promise<Readable>;
  close(): Promise<void>;
}

export function openZipArchive(file: string): Promise<ZipArchive> {
  return new Promise((resolve, reject) => {
    // Names are validated by our own module rules, which are stricter.
    const zip = new StreamZip({ file, storeEntries: false, skipEntryNameValidation: true });
    const entries: ZipEntry[] = [];
    zip.on('entry', (entry: ZipEntry) => entries.push(entry));
    zip.on('error', (err: Error) => {
      zip.close(() => reject(err));
    });
    zip.on('ready', () => {
      resolve({
        entries,
        stream: (entry) =>
          new Promise((res, rej) => zip.stream(entry as never, (err, s) => (err ? rej(err) : res(s as Readable)))),
        close: () => new Promise((res) => zip.close(() => res())),
      });
    });
  });
}
