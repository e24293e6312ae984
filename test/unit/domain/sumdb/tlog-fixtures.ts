/** The storages of x/mod's tlog tests: stored hashes in an array, tiles in a map. */
import { tilePath, type Tile } from '../../../../registry/domain/sumdb/tile.js';
import type { TileReader } from '../../../../registry/domain/sumdb/tile-hash-reader.js';
import type { Hash, HashReader } from '../../../../registry/domain/sumdb/tlog.js';

/** testHashStorage: also checks that the code under test asks for indexes in increasing order. */
export class TestHashStorage implements HashReader {
  readonly hashes: Hash[] = [];

  readHashes(indexes: readonly number[]): Hash[] {
    for (let i = 1; i < indexes.length; i++) {
      if (indexes[i - 1]! >= indexes[i]!) throw new Error('indexes out of order');
    }
    return indexes.map((x) => this.hashes[x]!);
  }
}

/** testTilesStorage: tiles of height 2 by path; counts tiles read but not yet saved. */
export class TestTilesStorage implements TileReader {
  readonly height = 2;
  unsaved = 0;

  constructor(readonly tiles: Map<string, Uint8Array>) {}

  async readTiles(tiles: Tile[]): Promise<Uint8Array[]> {
    this.unsaved += tiles.length;
    return tiles.map((t) => this.tiles.get(tilePath(t)) ?? new Uint8Array(0));
  }

  saveTiles(tiles: Tile[]): void {
    this.unsaved -= tiles.length;
  }
}

/** A copy of the proof with hash k's first bit flipped (x/mod flips it in place; our hashes may be shared). */
export function corrupt(proof: Hash[], k: number): Hash[] {
  const copy = proof.map((h) => h);
  const flipped = Buffer.from(copy[k]!);
  flipped[0]! ^= 1;
  copy[k] = flipped;
  return copy;
}
