/**
 * The BlobStore contract: every adapter runs this unchanged. Missing keys, idempotent
 * re-put, ranges, delete, listing, concurrent puts of the same content.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { BlobStore } from '../../registry/blob/blob-store.js';
import { crashLeftoverPath } from '../support/crash-leftover.js';
import { DomainError } from '../../registry/domain/domain-error.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

async function stage(store: BlobStore, content: string): Promise<string> {
  const file = store.tempPath();
  await writeFile(file, content);
  return file;
}

/** The whole blob through a reader, in small reads (as a download streams it). */
async function whole(store: BlobStore, key: string): Promise<string> {
  const reader = await store.openReader(key);
  try {
    const size = (await store.stat(key))!;
    const out = Buffer.alloc(size);
    for (let at = 0; at < size; ) {
      const n = await reader.read(out, at, Math.min(4096, size - at), at);
      assert.ok(n > 0, `read 0 bytes at ${at} of ${size}`);
      at += n;
    }
    const past = await reader.read(Buffer.alloc(1), 0, 1, size);
    assert.equal(past, 0, 'nothing past the end');
    return out.toString();
  } finally {
    await reader.close();
  }
}

export function runBlobStoreSuite(name: string, open: () => Promise<BlobStore>): void {
  describe(`blob store: ${name}`, () => {
    test('put, stat, read, ranges', async () => {
      const store = await open();
      const key = sha('hello world');
      const temp = await stage(store, 'hello world');
      assert.deepEqual(await store.put(key, temp), { created: true });
      assert.equal(existsSync(temp), false, 'the temp file was moved, not copied');
      assert.equal(await store.stat(key), 11);
      assert.equal(await whole(store, key), 'hello world');
      assert.equal((await store.read(key, { start: 0, end: 10 })).toString(), 'hello world', 'read: in memory');
      assert.equal((await store.read(key, { start: 6, end: 10 })).toString(), 'world');
      for (let i = 0; i < 2; i++) {
        // Twice: the second read may come from what the first one left in memory.
        await assert.rejects(store.read(key, { start: 0, end: 11 }), /shorter/, 'never pads a short blob');
        await assert.rejects(store.read(key, { start: 11, end: 11 }), /shorter/);
      }
    });

    test('a deleted blob is gone for every reader, even one that read it just before; put again, it is back', async () => {
      const store = await open();
      const key = sha('deleted soon');
      await store.put(key, await stage(store, 'deleted soon'));
      assert.equal((await store.read(key, { start: 0, end: 11 })).toString(), 'deleted soon');
      const reader = await store.openReader(key);
      await store.delete(key);
      const notFound = (e: unknown) => e instanceof DomainError && e.kind === 'NotFound';
      await assert.rejects(store.read(key, { start: 0, end: 11 }), notFound);
      await assert.rejects(store.openReader(key), notFound);
      assert.equal(await store.stat(key), undefined);
      // A download that had it open before the delete finishes (the bytes are still the key's).
      const buffer = Buffer.alloc(12);
      assert.equal(await reader.read(buffer, 0, 12, 0), 12);
      assert.equal(buffer.toString(), 'deleted soon');
      await reader.close();
      await store.put(key, await stage(store, 'deleted soon'));
      assert.equal((await store.read(key, { start: 8, end: 11 })).toString(), 'soon');
    });

    test('missing keys', async () => {
      const store = await open();
      const key = sha('absent');
      assert.equal(await store.stat(key), undefined);
      await assert.rejects(store.openReader(key), (e: unknown) => e instanceof DomainError && e.kind === 'NotFound');
      await assert.rejects(store.read(key, { start: 0, end: 0 }), (e: unknown) => e instanceof DomainError && e.kind === 'NotFound');
      await store.delete(key); // deleting nothing is fine
    });

    test('re-put of the same content is a no-op that consumes the temp file', async () => {
      const store = await open();
      const key = sha('same');
      await store.put(key, await stage(store, 'same'));
      const again = await stage(store, 'same');
      assert.deepEqual(await store.put(key, again), { created: false });
      assert.equal(existsSync(again), false);
      assert.equal(await whole(store, key), 'same');
    });

    test('concurrent puts of one content leave one intact blob', async () => {
      const store = await open();
      const content = 'x'.repeat(100_000);
      const key = sha(content);
      const temps = await Promise.all(Array.from({ length: 6 }, () => stage(store, content)));
      await Promise.all(temps.map((t) => store.put(key, t)));
      assert.equal(await whole(store, key), content);
      assert.ok(temps.every((t) => !existsSync(t)));
    });

    test('delete and list; keys that share a prefix stay apart', async () => {
      const store = await open();
      const a = sha('a');
      const b = sha('b');
      await store.put(a, await stage(store, 'a'));
      await store.put(b, await stage(store, 'b'));
      const before = Date.now();
      const listed = [];
      for await (const blob of store.list()) listed.push(blob);
      const listedA = listed.find((l) => l.key === a);
      assert.ok(listedA && listed.some((l) => l.key === b), 'both listed');
      assert.equal(listedA.size, 1);
      assert.ok(Math.abs(listedA.modifiedAt.getTime() - before) < 60_000, 'with the time it was written');
      await store.delete(a);
      assert.equal(await store.stat(a), undefined);
      assert.equal(await store.stat(b), 1);
    });

    test('refuses keys that are not SHA-256 hex (no path tricks)', async () => {
      const store = await open();
      await assert.rejects(store.stat('../../etc/passwd'));
      await assert.rejects(store.put('ABC', await stage(store, 'x')));
    });

    test('prepare then put: the blob is stored once, whole', async () => {
      const store = await open();
      const key = sha('prepared');
      const temp = await stage(store, 'prepared');
      await store.prepare(temp);
      assert.deepEqual(await store.put(key, temp), { created: true });
      assert.equal(await whole(store, key), 'prepared');
    });

    test('removes temp files last written before a time, and only those', async () => {
      const store = await open();
      const old = await crashLeftoverPath(store);
      await writeFile(old, 'an upload a crash left behind');
      const fresh = await stage(store, 'an upload in flight');
      const hourAgo = new Date(Date.now() - 3_600_000);
      await utimes(old, hourAgo, hourAgo);
      const removed = await store.removeTempsOlderThan(new Date(Date.now() - 60_000));
      assert.deepEqual(removed, { count: 1, bytes: 'an upload a crash left behind'.length });
      assert.equal(existsSync(old), false);
      assert.equal(existsSync(fresh), true, 'the upload in flight keeps its file');
    });

    test('is writable', async () => {
      await (await open()).checkWritable();
    });
  });
}
