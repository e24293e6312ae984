/**
 * A small zip writer for tests and benchmarks, with knobs real tools don't offer
 * (wrong declared sizes or CRCs, duplicate names, encryption flags) so every refusal
 * path of the upload validator can be exercised. Entries are written one at a time.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipFileSpec {
  name: string;
  data?: Buffer | string;
  /** 'store' (default) or 'deflate' */
  method?: 'store' | 'deflate';
  /** Overrides of what the headers claim, for corrupt-zip cases. */
  declaredSize?: number;
  crc?: number;
  flags?: number;
  methodCode?: number;
}

interface CentralRecord {
  name: Buffer;
  crc: number;
  compressedSize: number;
  size: number;
  method: number;
  flags: number;
  offset: number;
}

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
    const raw = Buffer.isBuffer(spec.data) ? spec.data : Buffer.from(spec.data ?? '');
    const deflate = spec.method === 'deflate';
    const body = deflate ? deflateRawSync(raw) : raw;
    const record: CentralRecord = {
      name: Buffer.from(spec.name, 'utf8'),
      crc: spec.crc ?? crc32(raw),
      compressedSize: body.length,
      size: spec.declaredSize ?? raw.length,
      method: spec.methodCode ?? (deflate ? 8 : 0),
      flags: (spec.flags ?? 0) | 0x800, // bit 11: names are UTF-8
      offset: this.offset,
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(record.flags, 6);
    local.writeUInt16LE(record.method, 8);
    local.writeUInt32LE(0, 10); // time, date
    local.writeUInt32LE(record.crc >>> 0, 14);
    local.writeUInt32LE(record.compressedSize, 18);
    local.writeUInt32LE(record.size, 22);
    local.writeUInt16LE(record.name.length, 26);
    local.writeUInt16LE(0, 28);
    await this.write(local);
    await this.write(record.name);
    await this.write(body);
    this.records.push(record);
  }

  async close(): Promise<void> {
    const start = this.offset;
    for (const r of this.records) {
      const h = Buffer.alloc(46);
      h.writeUInt32LE(0x02014b50, 0);
      h.writeUInt16LE(20, 4);
      h.writeUInt16LE(20, 6);
      h.writeUInt16LE(r.flags, 8);
      h.writeUInt16LE(r.method, 10);
      h.writeUInt32LE(0, 12);
      h.writeUInt32LE(r.crc >>> 0, 16);
      h.writeUInt32LE(r.compressedSize, 20);
      h.writeUInt32LE(r.size, 24);
      h.writeUInt16LE(r.name.length, 28);
      h.writeUInt32LE(r.offset, 42);
      await this.write(h);
      await this.write(r.name);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.records.length, 8);
    end.writeUInt16LE(this.records.length, 10);
    end.writeUInt32LE(this.offset - start, 12);
    end.writeUInt32LE(start, 16);
    await this.write(end);
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
