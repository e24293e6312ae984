/**
 * A TileReader over a caller's `readTile(path)` (an HTTP GET of <server>/<path>, a cache
 * …), as sumdb.Client reads tiles: each tile fetched once per reader, and a partial
 * tile the server no longer has is cut from the full tile that replaced it. Tiles reach
 * `saveTile` only once TileHashReader has authenticated them.
 */
import { tilePath, type Tile } from './tile.js';
import type { TileReader } from './tile-hash-reader.js';

export interface TileFetch {
  /** The bytes served at a tile path such as "tile/8/0/x001/234.p/17"; throws when the server has none. */
  readTile(path: string): Promise<Uint8Array>;
  /** Called with tiles proven to belong to a signed tree: safe to keep. */
  saveTile?(path: string, data: Uint8Array): void;
}

/** The go command reads tiles of height 8. */
export const DEFAULT_TILE_HEIGHT = 8;

export function tileSource(fetch: TileFetch, height = DEFAULT_TILE_HEIGHT): TileReader {
  const read = new Map<string, Promise<Uint8Array>>();
  const readOne = (t: Tile) => {
    const key = tilePath(t);
    if (!read.has(key)) read.set(key, readWithFallback(fetch, t));
    return read.get(key)!;
  };
  return {
    height,
    readTiles: (tiles) => Promise.all(tiles.map(readOne)),
    saveTiles: (tiles, data) => tiles.forEach((t, i) => fetch.saveTile?.(tilePath(t), data[i]!)),
  };
}

/** The tile, or the prefix of its full tile; the error of the requested tile when neither is served. */
async function readWithFallback(fetch: TileFetch, t: Tile): Promise<Uint8Array> {
  try {
    return await fetch.readTile(tilePath(t));
  } catch (err) {
    const full: Tile = { ...t, w: 2 ** t.h };
    if (full.w === t.w) throw err;
    let data: Uint8Array;
    try {
      data = await fetch.readTile(tilePath(full));
    } catch {
      throw err;
    }
    // As sumdb.Client cuts it: a full tile of the wrong length gives a partial one of the wrong length,
    // which TileHashReader refuses.
    return data.subarray(0, Math.floor(data.length / full.w) * t.w);
  }
}
