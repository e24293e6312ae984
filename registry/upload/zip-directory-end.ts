/**
 * Where Go's archive/zip (readDirectoryEnd) finds the central directory, so that the
 * registry reads the same entries go will read: the end record is searched in the last
 * 1 KiB, then the last 65 KiB (a comment that runs past the end disqualifies a
 * signature), zip64 records are followed when a field is saturated, and the directory
 * must start inside the file. Go also guesses a "base offset" for archives with data in
 * front (self-extracting stubs); the registry refuses those instead of guessing.
 */
import type { WindowedFile } from './windowed-file.js';

const END_SIGNATURE = 0x06054b50;
const END_LENGTH = 22;
const LOCATOR_SIGNATURE = 0x07064b50;
const END64_SIGNATURE = 0x06064b50;


async function readAt(file: WindowedFile, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  await file.read(buf, 0, length, position);
  return buf;
}

/** findSignatureInBlock: the last end signature whose comment fits in the block. */
function findSignature(b: Buffer): number {
  for (let i = b.length - END_LENGTH; i >= 0; i--) {
    if (b.readUInt32LE(i) !== END_SIGNATURE) continue;
    return b.readUInt16LE(i + 20) + END_LENGTH + i > b.length ? -1 : i;
  }
  return -1;
}

async function findEnd(file: WindowedFile): Promise<{ at: number; record: Buffer } | undefined> {
  for (const wanted of [1024, 65 * 1024]) {
    const length = Math.min(wanted, file.size);
    const block = await readAt(file, file.size - length, length);
    const p = findSignature(block);
    if (p >= 0) return { at: file.size - length + p, record: block.subarray(p) };
    if (length === file.size) return undefined;
  }
  return undefined;
}

/** findDirectory64End + readDirectory64End: the zip64 end record's size and offset, or why go refuses. */
async function zip64End(file: WindowedFile, endAt: number): Promise<{ at: number; size: bigint; offset: bigint } | string | undefined> {
  const locAt = endAt - 20;
  if (locAt < 0) return undefined;
  const loc = await readAt(file, locAt, 20);
  if (loc.readUInt32LE(0) !== LOCATOR_SIGNATURE || loc.readUInt32LE(4) !== 0 || loc.readUInt32LE(16) !== 1) return undefined;
  const p = loc.readBigUInt64LE(8);
  if (p > BigInt(file.size - 56)) return 'the zip64 end of central directory record is outside the file';
  const at = Number(p);
  const rec = await readAt(file, at, 56);
  if (rec.readUInt32LE(0) !== END64_SIGNATURE) return 'no zip64 end of central directory record where its locator points';
  return { at, size: rec.readBigUInt64LE(40), offset: rec.readBigUInt64LE(48) };
}

/** Where go starts reading the central directory, or the reason go refuses the file. */
export async function goDirectoryStart(file: WindowedFile): Promise<number | string> {
  const end = await findEnd(file);
  if (!end) return 'end of central directory record signature not found';
  let endAt = end.at;
  const r = end.record;
  let size = BigInt(r.readUInt32LE(12));
  let offset = BigInt(r.readUInt32LE(16));
  // Go's condition, including its test of the size against 0xffff.
  if (r.readUInt16LE(10) === 0xffff || size === 0xffffn || offset === 0xffffffffn) {
    const z = await zip64End(file, endAt);
    if (typeof z === 'string') return z;
    if (z) ({ at: endAt, size, offset } = z);
  }
  const max = 2n ** 63n - 1n;
  if (size > max || offset > max) return 'central directory size or offset out of range';
  const base = BigInt(endAt) - size - offset;
  const start = base + offset;
  if (start < 0n || start >= BigInt(file.size)) return 'the central directory does not start inside the file';
  // A positive base offset is kept only when no directory header is found at the offset as written.
  if (base > 0n && (await centralHeaderAt(file, Number(offset)))) return Number(offset);
  return Number(start);
}

/** True when a central directory header starts at position (go would read it as one more entry). */
export async function centralHeaderAt(file: WindowedFile, position: number): Promise<boolean> {
  if (position + 46 > file.size) return false;
  return (await readAt(file, position, 4)).readUInt32LE(0) === 0x02014b50;
}
