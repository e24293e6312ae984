/**
 * Tiles of the log (golang.org/x/mod/sumdb/tlog tile.go). A tile of height H at level L,
 * number N, lists W consecutive hashes of tree level H·L starting at N·2^H; W = 2^H is a
 * complete tile. Its path is tile/H/L/NNN[.p/W], N written three digits per element,
 * all but the last prefixed "x" (1234067 → x001/x234/067). Level -1 ("data") holds the
 * records themselves.
 */
import { DomainError } from '../domain-error.js';
import { HASH_SIZE, nodeHash, readChecked, shl, shr, splitStoredHashIndex, storedHashIndex, TlogError, type Hash, type HashReader } from './tlog.js';

export interface Tile {
  /** height, 1 ≤ h ≤ 30 */
  h: number;
  /** level, -1 (data) ≤ l ≤ 63 */
  l: number;
  /** number within the level, ≥ 0 */
  n: number;
  /** width, 1 ≤ w ≤ 2^h */
  w: number;
}

/** The tile of height h storing a stored-hash index, and the byte range in its data that hashes to it. */
export function tileForIndexRange(h: number, index: number): { tile: Tile; start: number; end: number } {
  const split = splitStoredHashIndex(index);
  let { level, n } = split;
  const l = Math.floor(level / h);
  level -= l * h; // now the level within the tile
  const tn = shr(shl(n, level), h);
  n -= shr(shl(tn, h), level); // now n within the tile at its level
  const w = shl(n + 1, level);
  return { tile: { h, l, n: tn, w }, start: shl(n, level) * HASH_SIZE, end: w * HASH_SIZE };
}

/** The tile of height h ≥ 1 and least width storing a stored-hash index. */
export function tileForIndex(h: number, index: number): Tile {
  if (!(h > 0)) throw new TlogError(`TileForIndex: invalid height ${h}`);
  return tileForIndexRange(h, index).tile;
}

/** The subtree hash of 2^k hashes laid end to end. */
export function tileHash(data: Uint8Array): Hash {
  if (data.length === 0) throw new Error('tlog: bad math in tileHash');
  if (data.length === HASH_SIZE) return data.slice();
  const half = data.length / 2;
  return nodeHash(tileHash(data.subarray(0, half)), tileHash(data.subarray(half)));
}

/** The hash at a stored-hash index, from the data of tile t (tileForIndex's tile or a wider one). */
export function hashFromTile(t: Tile, data: Uint8Array, index: number): Hash {
  if (t.h < 1 || t.h > 30 || t.l < 0 || t.l >= 64 || t.w < 1 || t.w > 2 ** t.h) throw new TlogError(`invalid tile ${tilePath(t)}`);
  if (data.length < t.w * HASH_SIZE) throw new TlogError(`data len ${data.length} too short for tile ${tilePath(t)}`);
  const { tile: t1, start, end } = tileForIndexRange(t.h, index);
  if (t.l !== t1.l || t.n !== t1.n || t.w < t1.w) throw new TlogError(`index ${index} is in ${tilePath(t1)} not ${tilePath(t)}`);
  return tileHash(data.subarray(start, end));
}

/** The tiles of height h to publish when the tree grows from oldTreeSize to newTreeSize records. */
export function newTiles(h: number, oldTreeSize: number, newTreeSize: number): Tile[] {
  if (!(h > 0)) throw new TlogError(`NewTiles: invalid height ${h}`);
  const tiles: Tile[] = [];
  for (let level = 0; shr(newTreeSize, h * level) > 0; level++) {
    const oldN = shr(oldTreeSize, h * level);
    const newN = shr(newTreeSize, h * level);
    if (oldN === newN) continue;
    for (let n = shr(oldN, h); n < shr(newN, h); n++) tiles.push({ h, l: level, n, w: 2 ** h });
    const n = shr(newN, h);
    const w = newN - shl(n, h);
    if (w > 0) tiles.push({ h, l: level, n, w });
  }
  return tiles;
}

/** The data of tile t: its hashes, read from r, laid end to end. */
export async function readTileData(t: Tile, r: HashReader): Promise<Buffer> {
  const size = t.w === 0 ? 2 ** t.h : t.w;
  const start = shl(t.n, t.h);
  const indexes = Array.from({ length: size }, (_, i) => storedHashIndex(t.h * t.l, start + i));
  return Buffer.concat(await readChecked(r, indexes));
}

const PATH_BASE = 1000;
const pad3 = (n: number) => String(n).padStart(3, '0');

/** The tile's coordinate path, tile/H/L/NNN[.p/W]. */
export function tilePath(t: Tile): string {
  let n = t.n;
  let nStr = pad3(n % PATH_BASE);
  while (n >= PATH_BASE) {
    n = Math.floor(n / PATH_BASE);
    nStr = `x${pad3(n % PATH_BASE)}/${nStr}`;
  }
  const pStr = t.w !== 2 ** t.h ? `.p/${t.w}` : '';
  return `tile/${t.h}/${t.l === -1 ? 'data' : t.l}/${nStr}${pStr}`;
}

/** A tile path tilePath would not write: an Invalid DomainError, since it comes from a client's URL. */
export class BadTilePathError extends DomainError {
  override name = 'BadTilePathError';
  constructor(readonly path: string) {
    super('Invalid', `malformed tile path ${JSON.stringify(path)}`);
  }
}

/** strconv.Atoi for the decimal forms a path may hold; undefined where Go returns an error. */
function atoi(s: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The number N of a tile path's elements (x123/x456/078), or undefined. */
function parseTileNumber(elements: string[]): number | undefined {
  let n = 0;
  for (const s of elements) {
    const nn = atoi(s.startsWith('x') ? s.slice(1) : s);
    if (nn === undefined || nn < 0 || nn >= PATH_BASE) return undefined;
    n = n * PATH_BASE + nn;
  }
  return Number.isSafeInteger(n) ? n : undefined;
}

/** tlog.ParseTilePath: only the path tilePath would write for the tile is accepted. */
export function parseTilePath(path: string): Tile {
  let f = path.split('/');
  const bad = () => new BadTilePathError(path);
  if (f.length < 4 || f[0] !== 'tile') throw bad();
  const h = atoi(f[1]!);
  const isData = f[2] === 'data';
  const l = isData ? 0 : atoi(f[2]!);
  if (h === undefined || l === undefined || h < 1 || l < 0 || h > 30) throw bad();
  let w = 2 ** h;
  const dotP = f[f.length - 2]!;
  if (dotP.endsWith('.p')) {
    const ww = atoi(f[f.length - 1]!);
    if (ww === undefined || ww <= 0 || ww >= w) throw bad();
    w = ww;
    f = [...f.slice(0, -2), dotP.slice(0, -2)];
  }
  const n = parseTileNumber(f.slice(3));
  if (n === undefined) throw bad();
  const t: Tile = { h, l: isData ? -1 : l, n, w };
  if (tilePath(t) !== path) throw bad();
  return t;
}
