/**
 * A small zip writer for tests and benchmarks, with knobs real tools don't offer
 * (wrong declared sizes or CRCs, duplicate names, encryption flags, zip64 records, data
 * descriptors, extra fields, local/central mismatches: see zip-records.ts) so every
 * refusal path of the upload validator can be exercised. Entries are written one at a
 * time; zipBytes builds a small archive in memory.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { encodeCentral, encodeEnd, encodeEntry, type CentralRecord, type ZipArchiveSpec, type ZipFileSpec } from './zip-records.js';

export { zipBytes, type ZipArchiveSpec, type ZipFileSpec } from './zip-records.js';

export class ZipWriter {
  private readonly out: WriteStream;
  private readonly records: CentralRecord[] = [];
  private offset = 0;

  constructor(file: string) {
    this.out = createWriteStream(file);
  }

  private async write(buf: Buffer): Promise<void> {
    this.offset += buf.length;
    if (!this.out.write(buf)) await once(this.out, 'drain');
  }

  async add(spec: ZipFileSpec): Promise<void> {
    const { bytes, record } = encodeEntry(spec, this.offset);
    this.records.push(record);
    await this.write(bytes);
  }

  async close(archive: ZipArchiveSpec = {}): Promise<void> {
    const start = this.offset;
    for (const r of this.records) await this.write(encodeCentral(r));
    await this.write(encodeEnd(this.records.length, start, this.offset - start, archive));
    this.out.end();
    await once(this.out, 'close');
  }
}

export async function writeZip(file: string, entries: ZipFileSpec[]): Promise<string> {
  const zip = new ZipWriter(file);
  for (const e of entries) await zip.add(e);
  await zip.close();
  return file;
}

/** A module zip from {relative path: content}, the way Go's own tools lay it out. */
export function moduleEntries(modulePath: string, version: string, files: Record<string, string | Buffer>): ZipFileSpec[] {
  return Object.entries(files).map(([name, data]) => ({ name: `${modulePath}@${version}/${name}`, data, method: 'deflate' }));
}
