// TestTilePath, TestNewTilesForSize and TestTileHashReader of golang.org/x/mod/sumdb/tlog (tile_test.go).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BadTilePathError, newTiles, parseTilePath, readTileData, tileForIndexRange, tilePath, type Tile } from '../../../../registry/domain/sumdb/tile.js';
import { tileHashReader, type TileReader } from '../../../../registry/domain/sumdb/tile-hash-reader.js';
import { storedHashes, storedHashIndex, treeHash, type Tree } from '../../../../registry/domain/sumdb/tlog.js';
import { TestHashStorage } from './tlog-fixtures.js';

describe('tile paths (TestTilePath)', () => {
  const tilePaths: [string, Tile | undefined][] = [
    ['tile/4/0/001', { h: 4, l: 0, n: 1, w: 16 }],
    ['tile/4/0/001.p/5', { h: 4, l: 0, n: 1, w: 5 }],
    ['tile/3/5/x123/x456/078', { h: 3, l: 5, n: 123456078, w: 8 }],
    ['tile/3/5/x123/x456/078.p/2', { h: 3, l: 5, n: 123456078, w: 2 }],
    ['tile/1/0/x003/x057/500', { h: 1, l: 0, n: 3057500, w: 2 }],
    ['tile/3/5/123/456/078', undefined],
    ['tile/3/-1/123/456/078', undefined],
    ['tile/1/data/x003/x057/500', { h: 1, l: -1, n: 3057500, w: 2 }],
    // Beyond x/mod's table: what its parser refuses.
    ['tile/3/4/x001/x234/067.p/1', { h: 3, l: 4, n: 1234067, w: 1 }],
    ['tile/3/4/x001/x234/067.p/8', undefined],
    ['tile/3/4/x001/x234/067.p/0', undefined],
    ['tile/0/0/000', undefined],
    ['tile/31/0/000', undefined],
    ['tile/+3/0/000', undefined],
    ['tile/3/0/00', undefined],
    ['tile/3/0/x000/001', undefined],
    ['tile/3/0/1000', undefined],
    ['tile/3/0', undefined],
    ['tiles/3/0/000', undefined],
    ['tile/8/data/000.p/', undefined],
  ];
  for (const [path, tile] of tilePaths) {
    test(path, () => {
      if (tile) {
        assert.equal(tilePath(tile), path);
        assert.deepEqual(parseTilePath(path), tile);
      } else {
        assert.throws(() => parseTilePath(path), (err: Error) => err instanceof BadTilePathError && err.message === `malformed tile path ${JSON.stringify(path)}`);
      }
    });
  }
});

describe('new tiles (TestNewTilesForSize)', () => {
  const cases: [number, number, number][] = [
    [1, 1, 0], [100, 101, 1], [1023, 1025, 3], [1024, 1030, 1], [1030, 2000, 1], [1030, 10000, 10], [49516517, 49516586, 3],
  ];
  for (const [oldSize, newSize, want] of cases) {
    test(`${oldSize}-${newSize}`, () => assert.equal(newTiles(10, oldSize, newSize).length, want));
  }
});

/** testTree: a tree of height-2 tiles read from its stored hashes; saved tiles must match them. */
class TestTree implements TileReader {
  readonly height = 2;
  readonly hashes = new TestHashStorage();
  n = 0;

  async add(data: string): Promise<void> {
    this.hashes.hashes.push(...(await storedHashes(this.n, data, this.hashes)));
    this.n++;
  }

  async tree(): Promise<Tree> {
    return { n: this.n, hash: await treeHash(this.n, this.hashes) };
  }

  readTiles(tiles: Tile[]): Promise<Uint8Array[]> {
    return Promise.all(tiles.map((t) => readTileData(t, this.hashes)));
  }

  saveTiles(tiles: Tile[], data: Uint8Array[]): void {
    assert.equal(data.length, tiles.length);
    // Saving is synchronous; the stored hashes are an array, so compare directly.
    tiles.forEach((t, i) => {
      const start = t.n * 2 ** t.h;
      const want = Buffer.concat(Array.from({ length: t.w }, (_, k) => this.hashes.hashes[storedHashIndex(t.h * t.l, start + k)]!));
      assert.deepEqual(Buffer.from(data[i]!), want, `saved ${tilePath(t)} matches the tree`);
    });
  }
}

/** zeroIndex: the same tiles, but the hash at a stored index (or the bottom-row hashes it is computed from) zeroed. */
function zeroIndex(tr: TileReader, index: number): TileReader {
  return {
    height: tr.height,
    async readTiles(tiles) {
      const data = await tr.readTiles(tiles);
      const { tile: t, start, end } = tileForIndexRange(tr.height, index);
      return data.map((d, i) => {
        const tile = tiles[i]!;
        if (tile.h !== t.h || tile.l !== t.l || tile.n !== t.n || end > d.length) return d;
        const copy = Buffer.from(d);
        copy.fill(0, start, end);
        return copy;
      });
    },
  };
}

/**
 * Sizes whose every tampered read is tried; the others check clean reads only. All 100 sizes pass too,
 * but take about three times as long (14 s of CPU here): these cover each tile boundary of height 2.
 */
const TAMPERED_SIZES = new Set([1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 21, 31, 32, 33, 63, 64, 65, 100]);

describe('tile hash reader (TestTileHashReader)', () => {
  test('every stored hash reads back through tiles; a zeroed hash fails', async () => {
    const tt = new TestTree();
    for (let i = 0; i < 100; i++) {
      await tt.add(`leaf ${tt.n}`);
      const tree = await tt.tree();
      const th = tileHashReader(tree, tt);
      const indexes = Array.from({ length: storedHashIndex(0, tt.n) }, (_, j) => j);
      for (const j of indexes) assert.deepEqual((await th.readHashes([j]))[0], tt.hashes.hashes[j], `N=${tt.n} ReadHashes(${j})`);
      assert.deepEqual(await th.readHashes(indexes), tt.hashes.hashes.slice(0, indexes.length), `N=${tt.n} all`);
      if (!TAMPERED_SIZES.has(tt.n)) continue;
      for (const j of indexes) {
        const thz = tileHashReader(tree, zeroIndex(tt, j));
        await assert.rejects(async () => thz.readHashes([j]), /downloaded inconsistent tile/, `N=${tt.n} tampered=${j}`);
        await assert.rejects(async () => thz.readHashes(indexes), /downloaded inconsistent tile/, `N=${tt.n} tampered=${j}, all`);
      }
    }
  });
});
