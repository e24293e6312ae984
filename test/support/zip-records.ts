/**
 * The byte records of a zip archive (APPNOTE.TXT 4.3), for the test zip writer: local
 * and central headers, data descriptors, zip64 extra fields and end records. Each value a
 * header claims can be overridden, so tests can build any inconsistency a real tool
 * might produce, or a hostile client might send.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipFileSpec {
  name: string;
  /** The name's bytes when they are not UTF-8 (the name is then only a label). */
  nameBytes?: Buffer;
  /** A different name in the central directory than in the local header. */
  centralName?: string;
  data?: Buffer | string;
  /** 'store' (default) or 'deflate' */
  method?: 'store' | 'deflate';
  /** The stored bytes as they are (already compressed), instead of compressing data. */
  rawBody?: Buffer;
  /** Overrides of what the headers claim, for corrupt-zip cases. */
  declaredSize?: number;
  compressedSize?: number;
  crc?: number;
  flags?: number;
  methodCode?: number;
  /** Sizes as 0xFFFFFFFF with the real ones in a zip64 extra field. */
  zip64?: boolean;
  /** Bit 3: CRC and sizes zero in the local header, in a descriptor after the data ('nosig': without its signature). */
  dataDescriptor?: boolean | 'nosig';
  localExtra?: Buffer;
  centralExtra?: Buffer;
  comment?: string;
  /** What the local header alone claims (a local/central mismatch). */
  local?: { method?: number; crc?: number; size?: number; compressedSize?: number; flags?: number };
}

export interface ZipArchiveSpec {
  /** Bytes before the first local header (a self-extracting stub). */
  prefix?: Buffer;
  comment?: Buffer | string;
  /** Write a zip64 end record and locator before the end record. */
  zip64End?: boolean;
  /** Overrides of the end record. */
  end?: { entries?: number; centralSize?: number; centralOffset?: number; disk?: number };
}

export interface CentralRecord {
  name: Buffer;
  crc: number;
  compressedSize: number;
  size: number;
  method: number;
  flags: number;
  offset: number;
  extra: Buffer;
  comment: Buffer;
  zip64: boolean;
}

const MAX32 = 0xffffffff;

/** A zip64 extended information extra field (0x0001) with the given 64-bit values. */
export function zip64Extra(values: number[]): Buffer {
  const b = Buffer.alloc(4 + 8 * values.length);
  b.writeUInt16LE(0x0001, 0);
  b.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return b;
}

const u32 = (v: number) => (v >>> 0) % 2 ** 32;

/** Encodes one entry (local header, name, body, descriptor) and its central record. */
export function encodeEntry(spec: ZipFileSpec, offset: number): { bytes: Buffer; record: CentralRecord } {
  const raw = Buffer.isBuffer(spec.data) ? spec.data : Buffer.from(spec.data ?? '');
  const deflate = spec.method === 'deflate';
  const body = spec.rawBody ?? (deflate ? deflateRawSync(raw) : raw);
  const descriptor = spec.dataDescriptor !== undefined && spec.dataDescriptor !== false;
  const record: CentralRecord = {
    name: Buffer.from(spec.centralName ?? spec.name, 'utf8'),
    crc: spec.crc ?? crc32(raw),
    compressedSize: spec.compressedSize ?? body.length,
    size: spec.declaredSize ?? raw.length,
    method: spec.methodCode ?? (deflate ? 8 : 0),
    flags: (spec.flags ?? 0) | 0x800 | (descriptor ? 0x8 : 0), // bit 11: names are UTF-8
    offset,
    extra: spec.centralExtra ?? Buffer.alloc(0),
    comment: Buffer.from(spec.comment ?? ''),
    zip64: spec.zip64 === true,
  };
  if (spec.nameBytes && spec.centralName === undefined) record.name = spec.nameBytes;
  const localName = spec.nameBytes ?? Buffer.from(spec.name, 'utf8');
  const l = { method: record.method, crc: record.crc, size: record.size, compressedSize: record.compressedSize, flags: record.flags, ...spec.local };
  let localExtra = spec.localExtra ?? Buffer.alloc(0);
  if (record.zip64) localExtra = Buffer.concat([zip64Extra([l.size, l.compressedSize]), localExtra]);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(record.zip64 ? 45 : 20, 4);
  local.writeUInt16LE(l.flags & 0xffff, 6);
  local.writeUInt16LE(l.method & 0xffff, 8);
  local.writeUInt32LE(0, 10); // time, date
  local.writeUInt32LE(descriptor ? 0 : u32(l.crc), 14);
  local.writeUInt32LE(descriptor ? 0 : record.zip64 ? MAX32 : u32(l.compressedSize), 18);
  local.writeUInt32LE(descriptor ? 0 : record.zip64 ? MAX32 : u32(l.size), 22);
  local.writeUInt16LE(localName.length, 26);
  local.writeUInt16LE(localExtra.length, 28);
  const parts = [local, localName, localExtra, body];
  if (descriptor) parts.push(dataDescriptor(record, spec.dataDescriptor === 'nosig'));
  return { bytes: Buffer.concat(parts), record };
}

function dataDescriptor(r: CentralRecord, noSignature: boolean): Buffer {
  const d = Buffer.alloc(r.zip64 ? 24 : 16);
  d.writeUInt32LE(0x08074b50, 0);
  d.writeUInt32LE(u32(r.crc), 4);
  if (r.zip64) {
    d.writeBigUInt64LE(BigInt(r.compressedSize), 8);
    d.writeBigUInt64LE(BigInt(r.size), 16);
  } else {
    d.writeUInt32LE(u32(r.compressedSize), 8);
    d.writeUInt32LE(u32(r.size), 12);
  }
  return noSignature ? d.subarray(4) : d;
}

export function encodeCentral(r: CentralRecord): Buffer {
  const extra = r.zip64 ? Buffer.concat([zip64Extra([r.size, r.compressedSize, r.offset]), r.extra]) : r.extra;
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(r.zip64 ? 45 : 20, 4);
  h.writeUInt16LE(r.zip64 ? 45 : 20, 6);
  h.writeUInt16LE(r.flags & 0xffff, 8);
  h.writeUInt16LE(r.method & 0xffff, 10);
  h.writeUInt32LE(0, 12);
  h.writeUInt32LE(u32(r.crc), 16);
  h.writeUInt32LE(r.zip64 ? MAX32 : u32(r.compressedSize), 20);
  h.writeUInt32LE(r.zip64 ? MAX32 : u32(r.size), 24);
  h.writeUInt16LE(r.name.length, 28);
  h.writeUInt16LE(extra.length, 30);
  h.writeUInt16LE(r.comment.length, 32);
  h.writeUInt32LE(r.zip64 ? MAX32 : u32(r.offset), 42);
  return Buffer.concat([h, r.name, extra, r.comment]);
}

/** The end records: zip64 end and locator when asked, then the end of central directory. */
export function encodeEnd(count: number, centralStart: number, centralSize: number, spec: ZipArchiveSpec): Buffer {
  const parts: Buffer[] = [];
  const e = { entries: count, centralSize, centralOffset: centralStart, disk: 0, ...spec.end };
  if (spec.zip64End) {
    const z = Buffer.alloc(56);
    z.writeUInt32LE(0x06064b50, 0);
    z.writeBigUInt64LE(44n, 4);
    z.writeUInt16LE(45, 12);
    z.writeUInt16LE(45, 14);
    z.writeBigUInt64LE(BigInt(e.entries), 24);
    z.writeBigUInt64LE(BigInt(e.entries), 32);
    z.writeBigUInt64LE(BigInt(e.centralSize), 40);
    z.writeBigUInt64LE(BigInt(e.centralOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(centralStart + centralSize), 8);
    locator.writeUInt32LE(1, 16);
    parts.push(z, locator);
  }
  const comment = Buffer.from(spec.comment ?? '');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(e.disk & 0xffff, 4);
  end.writeUInt16LE(spec.zip64End ? 0xffff : e.entries & 0xffff, 8);
  end.writeUInt16LE(spec.zip64End ? 0xffff : e.entries & 0xffff, 10);
  end.writeUInt32LE(spec.zip64End ? MAX32 : u32(e.centralSize), 12);
  end.writeUInt32LE(spec.zip64End ? MAX32 : u32(e.centralOffset), 16);
  end.writeUInt16LE(comment.length & 0xffff, 20);
  parts.push(end, comment);
  return Buffer.concat(parts);
}

/** A whole archive in memory. */
export function zipBytes(entries: ZipFileSpec[], spec: ZipArchiveSpec = {}): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  const push = (b: Buffer) => {
    parts.push(b);
    offset += b.length;
  };
  if (spec.prefix) push(spec.prefix);
  const records = entries.map((e) => {
    const { bytes, record } = encodeEntry(e, offset);
    push(bytes);
    return record;
  });
  const start = offset;
  for (const r of records) push(encodeCentral(r));
  push(encodeEnd(records.length, start, offset - start, spec));
  return Buffer.concat(parts);
}
