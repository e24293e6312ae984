/**
 * The filesystem blob store: the shared contract (with and without the content cache),
 * then what only this adapter does — descriptors kept open for the next read and closed
 * when their blob is deleted or falls out, and small blobs served from memory.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
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

async function descriptorOf(file: string): Promise<number> {
  for (const fd of await readdir('/proc/self/fd')) {
    if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) === file) return Number(fd);
  }
  throw new Error(`${file} is not open`);
}

const settled = (what: string, check: () => Promise<boolean>) =>
  eventually(what, async () => ((await check()) ? true : undefined), { timeoutMs: 5_000, intervalMs: 20 });

describe('filesystem blob store: descriptors', () => {
  test('concurrent reads of one blob open it once; a delete closes it', async () => {
    const { store, dir } = await openStore();
    const content = randomBytes(50_000);
    const key = await putBlob(store, content);
    const reads = await Promise.all(Array.from({ length: 20 }, () => store.read(key, { start: 0, end: content.length - 1 })));
    for (const r of reads) assert.ok(r.equals(content));
    assert.equal(await openDescriptors(blobFile(dir, key)), 1, 'one descriptor serves every read');
    await store.delete(key);
    await settled('the deleted blob closed', async () => (await openDescriptors(blobFile(dir, key))) === 0);
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

  test('reading many blobs keeps a bounded number open, and close lets go of all', async () => {
    const { store } = await openStore();
    const before = await openDescriptors();
    const keys = [];
    for (let i = 0; i < 150; i++) keys.push(await putBlob(store, randomBytes(100)));
    for (const key of keys) await store.read(key, { start: 0, end: 99 });
    const open = (await openDescriptors()) - before;
    assert.ok(open > 0 && open <= 128, `${open} blob descriptors open`);
    await store.close();
    await settled('every blob closed', async () => (await openDescriptors()) === before);
  });

  test('a descriptor gone bad (ESTALE on NFS after another replica re-stored the blob) is opened again, once', async () => {
    const { store, dir } = await openStore();
    const content = randomBytes(20_000);
    const key = await putBlob(store, content);
    assert.ok((await store.read(key, { start: 0, end: content.length - 1 })).equals(content));
    // Behind the store's back, its kept descriptor number now names a folder: reading it fails (EISDIR).
    const spoil = async () => {
      const fd = await descriptorOf(blobFile(dir, key));
      closeSync(fd);
      // The lowest free number comes first: fill lower gaps until the folder gets this one.
      const fillers = [];
      for (let next = openSync(dir, 'r'); next !== fd; next = openSync(dir, 'r')) {
        fillers.push(next);
        assert.ok(next < fd, `descriptor ${fd} was taken meanwhile`);
      }
      for (const f of fillers) closeSync(f);
    };
    await spoil();
    assert.ok((await store.read(key, { start: 0, end: content.length - 1 })).equals(content), 'read through a fresh descriptor');
    const reader = await store.openReader(key);
    await spoil();
    const buffer = Buffer.alloc(100);
    assert.equal(await reader.read(buffer, 0, 100, 500), 100, 'a streaming reader switches descriptors too');
    assert.ok(buffer.equals(content.subarray(500, 600)));
    await reader.close();
  });

  test('a blob missing at first is found once it is put (a failed open is not remembered)', async () => {
    const { store } = await openStore();
    const content = Buffer.from('late');
    const key = sha(content);
    await assert.rejects(store.read(key, { start: 0, end: 3 }), /not found/);
    await putBlob(store, content);
    assert.equal((await store.read(key, { start: 0, end: 3 })).toString(), 'late');
  });

  test('without a content cache, bytes go into the caller\'s buffer, whose length must match', async () => {
    const { store } = await openStore();
    const key = await putBlob(store, Buffer.from('hello world'));
    const into = Buffer.alloc(5);
    assert.equal(await store.read(key, { start: 6, end: 10 }, () => into), into);
    assert.equal(into.toString(), 'world');
    await assert.rejects(store.read(key, { start: 0, end: 10 }, () => Buffer.alloc(5)), RangeError);
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
    let caller = 0;
    const bufferFor = (n: number) => (caller++, Buffer.alloc(n));
    assert.ok((await store.read(smallKey, { start: 0, end: small.length - 1 }, bufferFor)).equals(small));
    assert.ok((await store.read(largeKey, { start: 0, end: large.length - 1 }, bufferFor)).equals(large));
    assert.equal(caller, 1, 'only the larger blob went into a caller\'s buffer');
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
