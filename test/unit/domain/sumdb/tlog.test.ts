// TestTree, TestSplitStoredHashIndex and TestEmptyTree of golang.org/x/mod/sumdb/tlog.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { hashFromTile, newTiles, readTileData, tileForIndex, tilePath } from '../../../../registry/domain/sumdb/tile.js';
import { tileHashReader } from '../../../../registry/domain/sumdb/tile-hash-reader.js';
import {
  formatHash,
  recordHash,
  splitStoredHashIndex,
  storedHashCount,
  storedHashes,
  storedHashIndex,
  treeHash,
  type Hash,
  type HashReader,
} from '../../../../registry/domain/sumdb/tlog.js';
import { checkRecord, checkTree, proveRecord, proveTree } from '../../../../registry/domain/sumdb/tlog-proof.js';
import { corrupt, TestHashStorage, TestTilesStorage } from './tlog-fixtures.js';

const testH = 2;

/** Publishes the new tiles of the tree grown to i+1 records, checking they extend the old ones. */
async function publishTiles(storage: TestHashStorage, tiles: Map<string, Uint8Array>, i: number): Promise<void> {
  for (const tile of newTiles(testH, i, i + 1)) {
    const data = await readTileData(tile, storage);
    const old = tiles.get(tilePath({ ...tile, w: tile.w - 1 })) ?? Buffer.alloc(0);
    assert.ok(old.length === data.length - 32 && Buffer.compare(old, data.subarray(0, old.length)) === 0, `tile ${tilePath(tile)} extends the earlier one`);
    tiles.set(tilePath(tile), data);
  }
  for (const from of [0, Math.floor(i / 2)]) {
    for (const tile of newTiles(testH, from, i + 1)) {
      assert.deepEqual(tiles.get(tilePath(tile)), await readTileData(tile, storage), `tile ${tilePath(tile)}`);
    }
  }
}

/** Every record proof of the tree checks, and fails with any proof hash corrupted. */
async function checkRecordProofs(size: number, th: Hash, r: HashReader, leafHashes: Hash[], corruptToo: boolean): Promise<void> {
  for (let j = 0; j < size; j++) {
    const p = await proveRecord(size, j, r);
    checkRecord(p, size, th, j, leafHashes[j]!);
    if (!corruptToo) continue;
    for (let k = 0; k < p.length; k++) {
      assert.throws(() => checkRecord(corrupt(p, k), size, th, j, leafHashes[j]!), `CheckRecord(${size}, ${j}) with corrupt proof hash #${k}`);
    }
  }
}

/** Through tiles: every record's hash reads back, and every earlier tree hashes and proves. */
async function checkThroughTiles(size: number, th: Hash, tiles: Map<string, Uint8Array>, leafHashes: Hash[], trees: Hash[]): Promise<void> {
  const store = new TestTilesStorage(tiles);
  const thr = tileHashReader({ n: size, hash: th }, store);
  for (let j = 0; j < size; j++) {
    const [h] = await thr.readHashes([storedHashIndex(0, j)]);
    assert.deepEqual(h, leafHashes[j]);
  }
  await checkRecordProofs(size, th, thr, leafHashes, false);
  assert.equal(store.unsaved, 0, 'every tile read was saved');
  await assert.rejects(async () => thr.readHashes([size * 2]), /indexes not in tree/);
  for (let j = 0; j < size; j++) {
    assert.deepEqual(await treeHash(j + 1, thr), trees[j], `TreeHash(${j + 1}) through tiles`);
    const p = await proveTree(size, j + 1, thr);
    checkTree(p, size, th, j + 1, trees[j]!);
    for (let k = 0; k < p.length; k++) {
      assert.throws(() => checkTree(corrupt(p, k), size, th, j + 1, trees[j]!), `CheckTree(${size}, ${j + 1}) with corrupt proof hash #${k}`);
    }
  }
  assert.equal(store.unsaved, 0, 'every tile read was saved');
}

describe('tlog (TestTree)', () => {
  test('100 records: stored hashes, tiles, record and tree proofs', async () => {
    const storage = new TestHashStorage();
    const tiles = new Map<string, Uint8Array>();
    const leafHashes: Hash[] = [];
    const trees: Hash[] = [];
    for (let i = 0; i < 100; i++) {
      const data = `leaf ${i}`;
      const hashes = await storedHashes(i, data, storage);
      leafHashes.push(recordHash(data));
      const oldStorage = storage.hashes.length;
      storage.hashes.push(...hashes);
      assert.equal(storedHashCount(i + 1), storage.hashes.length, `StoredHashCount(${i + 1})`);
      const th = await treeHash(i + 1, storage);
      await publishTiles(storage, tiles, i);
      for (let j = oldStorage; j < storage.hashes.length; j++) {
        const tile = tileForIndex(testH, j);
        const data = tiles.get(tilePath(tile));
        assert.ok(data, `TileForIndex(${testH}, ${j}) = ${tilePath(tile)} is stored`);
        assert.deepEqual(hashFromTile(tile, data, j), storage.hashes[j]);
      }
      trees.push(th);
      await checkRecordProofs(i + 1, th, storage, leafHashes, true);
      await checkThroughTiles(i + 1, th, tiles, leafHashes, trees);
    }
  });
});

describe('golden values printed by x/mod v0.43.0 for the records "leaf 0" … "leaf 99"', () => {
  // So a change that is wrong the same way on both sides of every check above still shows.
  test('tree hash, tiles of height 2, proofs of record 37 and of tree 37', async () => {
    const storage = new TestHashStorage();
    for (let i = 0; i < 100; i++) storage.hashes.push(...(await storedHashes(i, `leaf ${i}`, storage)));
    assert.equal(formatHash(await treeHash(100, storage)), 'E/iJFcVg3JEaHaD7IJ2EoglxBR8pTr60KPs/wpOvJ0M=');
    const all = createHash('sha256');
    for (const t of newTiles(2, 0, 100)) all.update(tilePath(t)).update(await readTileData(t, storage));
    assert.equal(all.digest('hex'), '03f691279f8b3175a299560d53b9dbd243897460cc92c0d76e9fb76d5b870003');
    const common = ['OFkRC2Ia2bvMlPrsumkqr45ay32xXRqkGmqk4mmKIGk=', 'W+d7jKTb7oTFmtC8yxfVbHM3UNCm0beA3j2Olp3QMWI=', 'IFQ7jalskgBDvkqooacH36ByRDZ2D7pWPDROL9wwqIU=',
      'nElKb1se8i1C8FCfRZNrilwF6OoGvvi0IyTxX9Usl9Y=', 'mltaKilXHK09gVVfNL8yVv2lYnlpHN7DT1fI9ISss/o=', 'Ww8HmgYW6QBAbUdlvADEdLQtGc3Ps/Qs678QKnwkB/w='];
    const first = 's0iJOUVkKQwAxsx9UEPV48IZlITDAcEYKvNGdY3fEbQ=';
    assert.deepEqual((await proveRecord(100, 37, storage)).map(formatHash), [first, ...common]);
    assert.deepEqual((await proveTree(100, 37, storage)).map(formatHash), [first, 'kAI2mHOU4t9fH4VMoQP22+YMp8FQ8JRBQSq7mpXSV4Q=', ...common]);
  });
});

describe('stored hash index (TestSplitStoredHashIndex)', () => {
  test('SplitStoredHashIndex inverts StoredHashIndex', () => {
    for (let l = 0; l < 10; l++) {
      for (let n = 0; n < 100; n++) {
        const x = storedHashIndex(l, n);
        assert.deepEqual(splitStoredHashIndex(x), { level: l, n }, `StoredHashIndex(${l}, ${n}) = ${x}`);
      }
    }
  });

  test('past 2^32, shifts stay exact', () => {
    for (const n of [2 ** 32 - 1, 2 ** 32, 2 ** 40 + 12345, 2 ** 50 - 3]) {
      for (const l of [0, 1, 2]) assert.deepEqual(splitStoredHashIndex(storedHashIndex(l, n)), { level: l, n });
    }
    assert.equal(storedHashIndex(0, 2 ** 32), 2 ** 33 - 1);
    assert.throws(() => storedHashIndex(0, 2 ** 53));
  });
});

describe('empty tree (TestEmptyTree)', () => {
  test('TreeHash(0) is SHA-256 of nothing', async () => {
    assert.deepEqual(await treeHash(0), createHash('sha256').digest());
    assert.equal(storedHashCount(0), 0);
  });
});
