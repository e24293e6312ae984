/**
 * The checksum database's tamper-evident log (golang.org/x/mod/sumdb/tlog): an RFC 6962
 * Merkle tree whose hashes are stored in Crosby and Wallach's dense order, and the
 * tree hash computed from them. Proofs are in tlog-proof.ts, tiles in tile.ts. Pure:
 * hashes come from a caller's HashReader (an array, a database, tiles over HTTP).
 *
 * Indexes and sizes are JavaScript numbers, so they must stay below 2^53 (x/mod allows
 * int64); shifts are written as multiplication and division to stay exact past 2^32.
 */
import { hash as oneShotHash } from 'node:crypto';
import { decodeStdBase64, encodeStdBase64 } from './go-encoding.js';

export type Hash = Uint8Array;
export const HASH_SIZE = 32;

/** A tree's size (records) and root hash, as a server signs it. */
export interface Tree {
  n: number;
  hash: Hash;
}

/** An error of the tlog package; `message` is x/mod's text. */
export class TlogError extends Error {
  override name = 'TlogError';
}

/** Reads stored hashes by index (see storedHashIndex); must return one hash per index. */
export interface HashReader {
  readHashes(indexes: readonly number[]): Hash[] | Promise<Hash[]>;
}

/** n · 2^k and ⌊n / 2^k⌋, exact for safe integers (JavaScript's << and >> are 32-bit). */
export const shl = (n: number, k: number) => n * 2 ** k;
export const shr = (n: number, k: number) => Math.floor(n / 2 ** k);

/** The number of trailing zero bits of n > 0. */
export function trailingZeros(n: number): number {
  let z = 0;
  for (; n > 0 && n % 2 === 0; n /= 2) z++;
  return z;
}

/** k, the largest power of 2 smaller than n, and l = log₂ k. */
export function maxpow2(n: number): { k: number; l: number } {
  let l = 0;
  while (2 ** (l + 1) < n) l++;
  return { k: 2 ** l, l };
}

export const hashEqual = (a: Hash, b: Hash) => a.length === b.length && Buffer.compare(a, b) === 0;

/** Base64, as tlog.Hash.String prints it. */
export const formatHash = encodeStdBase64;

/** tlog.ParseHash */
export function parseHash(s: string): Hash {
  const data = decodeStdBase64(s);
  if (data === undefined || data.length !== HASH_SIZE) throw new TlogError('malformed hash');
  return data;
}

const sha256 = (data: Uint8Array): Hash => oneShotHash('sha256', data, 'buffer') as unknown as Buffer;

/** SHA-256(0x00 ‖ data): the hash of a record (RFC 6962 §2.1). */
export const recordHash = (data: Uint8Array | string): Hash => sha256(Buffer.concat([Buffer.of(0), typeof data === 'string' ? Buffer.from(data) : data]));

/** SHA-256(0x01 ‖ left ‖ right): the hash of an interior node (one-shot hashing: the tree hashes a lot of these). */
export function nodeHash(left: Hash, right: Hash): Hash {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) throw new TlogError('tlog: a hash is 32 bytes');
  const buf = Buffer.allocUnsafe(1 + 2 * HASH_SIZE);
  buf[0] = 1;
  buf.set(left, 1);
  buf.set(right, 1 + HASH_SIZE);
  return sha256(buf);
}

/** The hash of the empty tree: SHA-256 of nothing. */
export const EMPTY_HASH: Hash = sha256(new Uint8Array(0));

/** The position in stored-hash order of the n'th hash at a level of the tree. */
export function storedHashIndex(level: number, n: number): number {
  // Level L's n'th hash is written right after level L+1's 2n+1'th hash.
  for (let l = level; l > 0; l--) n = 2 * n + 1;
  // Level 0's n'th hash is written at n + n/2 + n/4 + ….
  let i = 0;
  for (; n > 0; n = shr(n, 1)) i += n;
  const index = i + level;
  if (!Number.isSafeInteger(index)) throw new TlogError(`tlog: stored hash index of (${level}, ${n}) is past 2^53`);
  return index;
}

/** The inverse of storedHashIndex. */
export function splitStoredHashIndex(index: number): { level: number; n: number } {
  // storedHashIndex(0, n) < 2n, so the n we want is in [index/2, index/2 + log₂ index].
  let n = shr(index, 1);
  let indexN = storedHashIndex(0, n);
  if (indexN > index) throw new Error('tlog: bad math in splitStoredHashIndex');
  for (;;) {
    // Each new record n adds 1 + trailingZeros(n+1) hashes.
    const x = indexN + 1 + trailingZeros(n + 1);
    if (x > index) break;
    n++;
    indexN = x;
  }
  // The hash was written with record n: it is one of (0, n), (1, n/2), (2, n/4), ….
  const level = index - indexN;
  return { level, n: shr(n, level) };
}

/** The number of stored hashes of a tree with n records. */
export function storedHashCount(n: number): number {
  if (n === 0) return 0;
  let count = storedHashIndex(0, n - 1) + 1;
  for (let i = n - 1; i % 2 === 1; i = shr(i, 1)) count++;
  return count;
}

/** Checks that a reader answered one hash per index. */
export async function readChecked(r: HashReader, indexes: readonly number[]): Promise<Hash[]> {
  const hashes = await r.readHashes(indexes);
  if (hashes.length !== indexes.length) throw new TlogError(`tlog: ReadHashes(${indexes.length} indexes) = ${hashes.length} hashes`);
  return hashes;
}

/** The hashes to store, from storedHashIndex(0, n) on, when record n with this data is written. */
export const storedHashes = (n: number, data: Uint8Array | string, r: HashReader) => storedHashesForRecordHash(n, recordHash(data), r);

/** storedHashes from the record's hash rather than its data. */
export async function storedHashesForRecordHash(n: number, h: Hash, r: HashReader): Promise<Hash[]> {
  // Each trailing 1 bit of n completes a subtree and takes a hash from its left neighbour.
  const m = trailingZeros(n + 1);
  const indexes = Array.from({ length: m }, (_, j) => storedHashIndex(m - 1 - j, shr(n, m - 1 - j) - 1));
  const old = await readChecked(r, indexes);
  const hashes = [h];
  for (let i = 0; i < m; i++) {
    h = nodeHash(old[m - 1 - i]!, h);
    hashes.push(h);
  }
  return hashes;
}

/** The stored-hash indexes needed to hash the subtree of records [lo, hi), appended to need. */
export function subTreeIndex(lo: number, hi: number, need: number[]): number[] {
  while (lo < hi) {
    const { k, l } = maxpow2(hi - lo + 1);
    if (lo % k !== 0) throw new Error('tlog: bad math in subTreeIndex');
    need.push(storedHashIndex(l, shr(lo, l)));
    lo += k;
  }
  return need;
}

/** The hash of the subtree [lo, hi) from the hashes subTreeIndex named, and the hashes left over. */
export function subTreeHash(lo: number, hi: number, hashes: Hash[]): { hash: Hash; rest: Hash[] } {
  let numTree = 0;
  while (lo < hi) {
    const { k } = maxpow2(hi - lo + 1);
    if (lo % k !== 0) throw new Error('tlog: bad math in subTreeHash');
    numTree++;
    lo += k;
  }
  if (hashes.length < numTree) throw new Error('tlog: bad index math in subTreeHash');
  let h = hashes[numTree - 1]!;
  for (let i = numTree - 2; i >= 0; i--) h = nodeHash(hashes[i]!, h);
  return { hash: h, rest: hashes.slice(numTree) };
}

/** The root hash of the tree of n records, from at most 1 + log₂ n stored hashes read at once. */
export async function treeHash(n: number, r?: HashReader): Promise<Hash> {
  if (n === 0) return EMPTY_HASH;
  if (!r) throw new TlogError('tlog: a tree of records needs a HashReader');
  const indexes = subTreeIndex(0, n, []);
  const { hash, rest } = subTreeHash(0, n, await readChecked(r, indexes));
  if (rest.length !== 0) throw new Error('tlog: bad index math in TreeHash');
  return hash;
}
