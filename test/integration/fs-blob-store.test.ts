/**
 * The filesystem blob store: the shared contract (with and without the content cache),
 * then what only this adapter does — every read lets go of its descriptor, and small blobs
 * are served from memory.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { FsBlobStore } from '../../registry/blob/fs-blob-store.js';
import { runBlobStoreSuite } from '../contract/blob-store.suite.js';
import { eventually } from '../support/eventually.js';
import { tempDir } from '../support/paths.js';

const removals: (() => Promise<void>)[] = [];
after(() => Promise.all(removals.map((r) => r())));

async function openStore(contentCacheBytes?: number): Promise<{ store: FsBlobStore; dir: string }> {
  const { dir, remove } = await tempDir('blobs');
  const store = await FsBlobStore.open(dir, { contentCacheBytes });
  removals.push(async () => {
    await store.close();
    await remove();
  });
  return { store, dir };
}

runBlobStoreSuite('filesystem', async () => (await openStore()).store);
runBlobStoreSuite('filesystem with a content cache', async () => (await openStore(1024 * 1024)).store);

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function putBlob(store: FsBlobStore, content: Buffer): Promise<string> {
  const key = sha(content);
  const temp = store.tempPath();
  await writeFile(temp, content);
  await store.put(key, temp);
  return key;
}

const blobFile = (dir: string, key: string) => path.join(dir, 'blobs', 'sha256', key.slice(0, 2), key);

/** How many descriptors of this process point at `file` (or at any blob when omitted). */
async function openDescriptors(file?: string): Promise<number> {
  let n = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (file ? target === file || target === `${file} (deleted)` : target.includes(`${path.sep}blobs${path.sep}sha256${path.sep}`)) n++;
  }
  return n;
}

const settled = (what: string, check: () => Promise<boolean>) =>
  eventually(what, async () => ((await check()) ? true : undefined), { timeoutMs: 5_000, intervalMs: 20 });

describe('filesystem blob store: descriptors', () => {
  test('reads, concurrent or not, let go of their descriptors; close with nothing open is fine', async () => {
    const { store, dir } = await openStore();
    const before = await openDescriptors();
    const content = randomBytes(50_000);
    const key = await putBlob(store, content);
    const reads = await Promise.all(Array.from({ length: 20 }, () => store.read(key, { start: 0, end: content.length - 1 })));
    for (const r of reads) assert.ok(r.equals(content));
    for (let i = 0; i < 30; i++) await store.read(await putBlob(store, randomBytes(100)), { start: 0, end: 99 });
    assert.equal(await openDescriptors(blobFile(dir, key)), 0, 'no descriptor kept after the reads');
    assert.equal(await openDescriptors(), before, 'no blob descriptor kept at all');
    await store.close();
  });

  test('a reader holding a blob keeps it open past its delete, and closes it when done', async () => {
    const { store, dir } = await openStore();
    const content = randomBytes(10_000);
    const key = await putBlob(store, content);
    const reader = await store.openReader(key);
    await store.delete(key);
    const buffer = Buffer.alloc(content.length);
    assert.equal(await reader.read(buffer, 0, buffer.length, 0), content.length);
    assert.ok(buffer.equals(content));
    assert.equal(await openDescriptors(blobFile(dir, key)), 1, 'still open while read');
    await reader.close();
    await settled('the released blob closed', async () => (await openDescriptors(blobFile(dir, key))) === 0);
  });

  test('a blob missing at first is found once it is put (a failed open is not remembered)', async () => {
    const { store } = await openStore();
    const content = Buffer.from('late');
    const key = sha(content);
    await assert.rejects(store.read(key, { start: 0, end: 3 }), /not found/);
    await putBlob(store, content);
    assert.equal((await store.read(key, { start: 0, end: 3 })).toString(), 'late');
  });
});

describe('filesystem blob store: content cache', () => {
  test('a small blob read once is served from memory; a larger one is read from its file each time', async () => {
    // 1 MiB of cache: blobs up to 64 KiB are kept.
    const { store, dir } = await openStore(1024 * 1024);
    const small = randomBytes(60_000);
    const large = randomBytes(70_000);
    const smallKey = await putBlob(store, small);
    const largeKey = await putBlob(store, large);
    assert.ok((await store.read(smallKey, { start: 0, end: small.length - 1 })).equals(small));
    assert.ok((await store.read(largeKey, { start: 0, end: large.length - 1 })).equals(large));
    // Truncating the files behind the store's back: only memory still has the bytes.
    await truncate(blobFile(dir, smallKey), 10);
    await truncate(blobFile(dir, largeKey), 10);
    assert.ok((await store.read(smallKey, { start: 100, end: 199 })).equals(small.subarray(100, 200)), 'from memory');
    await assert.rejects(store.read(largeKey, { start: 100, end: 199 }), /shorter/, 'from the file');
  });

  test('a delete drops the cached bytes, also when it lands while they are being read', async () => {
    const { store, dir } = await openStore(1024 * 1024);
    const content = randomBytes(30_000);
    const key = await putBlob(store, content);
    const reading = store.read(key, { start: 0, end: content.length - 1 });
    await store.delete(key);
    // The read that raced the delete may finish or not; it must not leave the bytes cached.
    await reading.catch(() => undefined);
    await assert.rejects(store.read(key, { start: 0, end: 9 }), /not found/);
    // Put again and cut on disk: a read must see the file, not bytes remembered from before.
    await putBlob(store, content);
    await truncate(blobFile(dir, key), 10);
    await assert.rejects(store.read(key, { start: 0, end: content.length - 1 }), /shorter/);
  });
});

test('copyTo: every blob, with its modification time, and no temp file; the copy opens as a store holding the same blobs', async () => {
  const { store } = await openStore();
  const contents = ['first blob', 'second blob', 'third blob'];
  for (const c of contents) {
    const temp = store.tempPath();
    await writeFile(temp, c);
    await store.put(createHash('sha256').update(c).digest('hex'), temp);
  }
  await writeFile(store.tempPath(), 'an upload in flight');
  const { dir: target, remove } = await tempDir('blob-copy');
  removals.push(remove);
  assert.deepEqual(await store.copyTo(target), { count: 3, bytes: contents.join('').length });
  const copy = await FsBlobStore.open(target);
  removals.push(() => copy.close());
  const listed = async (s: FsBlobStore) => {
    const out = [];
    for await (const b of s.list()) out.push({ key: b.key, size: b.size, modifiedAt: b.modifiedAt.getTime() });
    return out.sort((x, y) => x.key.localeCompare(y.key));
  };
  assert.deepEqual(await listed(copy), await listed(store));
  for (const c of contents) {
    const key = createHash('sha256').update(c).digest('hex');
    assert.equal((await copy.read(key, { start: 0, end: c.length - 1 })).toString(), c);
  }
  assert.deepEqual(await readdir(path.join(target, 'tmp')), [], 'temp files stay behind');
});
