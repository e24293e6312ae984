/**
 * tlog.TileHashReader: a HashReader that answers from tiles of a signed tree and
 * authenticates every tile it uses — the tiles covering the tree's hash must hash to
 * it, and every other tile must hash to its entry in its (already authenticated)
 * parent tile — so each hash it returns is proven to be in that tree. A tile that fails
 * is "downloaded inconsistent tile"; errors of the TileReader itself pass through.
 */
import { hashFromTile, tileForIndex, tileHash, tilePath, type Tile } from './tile.js';
import { hashEqual, HASH_SIZE, nodeHash, shl, shr, storedHashIndex, subTreeIndex, TlogError, type Hash, type HashReader, type Tree } from './tlog.js';

export type { Tree } from './tlog.js';

/** Reads tiles, typically from a cache or a checksum database server. */
export interface TileReader {
  /** The height of the tiles to read (the go command uses 8). */
  readonly height: number;
  /** The data of each tile, in order; each must be tile.w · 32 bytes. */
  readTiles(tiles: Tile[]): Promise<Uint8Array[]>;
  /** Told which tiles were authenticated, so they may be kept (tiles read but not yet checked must not be). */
  saveTiles?(tiles: Tile[], data: Uint8Array[]): void;
}

/** The k'th parent of tile t in the tiles of a tree of size n, or undefined when there is none. */
export function tileParent(t: Tile, k: number, n: number): Tile | undefined {
  const l = t.l + k;
  const tn = shr(t.n, k * t.h);
  let w = 2 ** t.h;
  const max = shr(n, l * t.h);
  if (shl(tn, t.h) + w >= max) {
    if (shl(tn, t.h) >= max) return undefined;
    w = max - shl(tn, t.h);
  }
  return { h: t.h, l, n: tn, w };
}

const keyOf = (t: Tile | undefined) => (t ? tilePath(t) : '');
const inconsistent = () => new TlogError('downloaded inconsistent tile');

/** The tiles to fetch: first those covering the tree hash, then those of the indexes, parents before children. */
class TilePlan {
  readonly tiles: Tile[] = [];
  private readonly order = new Map<string, number>();

  indexOf = (t: Tile | undefined) => this.order.get(keyOf(t));

  add(t: Tile): number {
    const existing = this.indexOf(t);
    if (existing !== undefined) return existing;
    this.order.set(keyOf(t), this.tiles.length);
    return this.tiles.push(t) - 1;
  }

  /** Plans the tile of stored hash x and the parents needed to authenticate it; returns the tile's position. */
  addIndex(h: number, x: number, treeSize: number): number {
    const tile = tileForIndex(h, x);
    let k = 0;
    while (this.indexOf(tileParent(tile, k, treeSize)) === undefined) {
      if (++k > 64) throw new TlogError(`bad math in tileHashReader: ${treeSize} ${x}`);
    }
    let position = this.indexOf(tileParent(tile, k, treeSize))!;
    for (k--; k >= 0; k--) {
      const p = tileParent(tile, k, treeSize)!;
      // A tile with a parent is full.
      if (p.w !== 2 ** p.h) throw new TlogError(`bad math in tileHashReader: ${treeSize} ${x} ${tilePath(p)}`);
      position = this.add(p);
    }
    return position;
  }
}

async function readAll(tr: TileReader, tiles: Tile[]): Promise<Uint8Array[]> {
  const data = await tr.readTiles(tiles);
  if (data.length !== tiles.length) throw new TlogError(`TileReader returned bad result slice (len=${data.length}, want ${tiles.length})`);
  tiles.forEach((tile, i) => {
    if (data[i]!.length !== tile.w * HASH_SIZE) {
      throw new TlogError(`TileReader returned bad result slice (${tilePath(tile)} len=${data[i]!.length}, want ${tile.w * HASH_SIZE})`);
    }
  });
  return data;
}

/** Checks the tiles against the tree hash (those covering it) and against their parents (the others). */
function authenticate(tree: Tree, plan: TilePlan, stx: number[], stxTile: number[], data: Uint8Array[]): void {
  let th: Hash | undefined;
  for (let i = stx.length - 1; i >= 0; i--) {
    const h = hashFromTile(plan.tiles[stxTile[i]!]!, data[stxTile[i]!]!, stx[i]!);
    th = th === undefined ? h : nodeHash(h, th);
  }
  if (th === undefined || !hashEqual(th, tree.hash)) throw inconsistent();
  for (let i = stxTile[stx.length - 1]! + 1; i < plan.tiles.length; i++) {
    const tile = plan.tiles[i]!;
    const p = tileParent(tile, 1, tree.n);
    const j = plan.indexOf(p);
    if (p === undefined || j === undefined) throw new TlogError(`bad math in tileHashReader ${tree.n}: lost parent of ${tilePath(tile)}`);
    const h = hashFromTile(p, data[j]!, storedHashIndex(p.l * p.h, tile.n));
    if (!hashEqual(h, tileHash(data[i]!))) throw inconsistent();
  }
}

/** A HashReader whose answers are proven to be in the tree, read from tiles. */
export function tileHashReader(tree: Tree, tr: TileReader): HashReader {
  return {
    async readHashes(indexes) {
      const h = tr.height;
      const limit = storedHashIndex(0, tree.n);
      if (indexes.some((x) => x >= limit)) throw new TlogError('indexes not in tree');
      if (tree.n === 0) return [];
      const plan = new TilePlan();
      const stx = subTreeIndex(0, tree.n, []);
      const stxTile = stx.map((x) => plan.add(tileParent(tileForIndex(h, x), 0, tree.n)!));
      const indexTile = indexes.map((x) => plan.addIndex(h, x, tree.n));
      const data = await readAll(tr, plan.tiles);
      authenticate(tree, plan, stx, stxTile, data);
      tr.saveTiles?.(plan.tiles, data);
      return indexes.map((x, i) => hashFromTile(plan.tiles[indexTile[i]!]!, data[indexTile[i]!]!, x));
    },
  };
}
