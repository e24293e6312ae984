/**
 * The S3 blob store against a real S3-compatible server (versitygw, built from source, on
 * loopback): the shared contract (with and without the content cache), then what only this
 * adapter does — its key layout under a prefix, multipart uploads, the presence check under
 * the lock after `prepare`, and a start refused with a message naming the bucket.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { S3BlobStore } from '../../registry/blob/s3-blob-store.js';
import type { S3Config } from '../../registry/config/config.js';
import { runBlobLifecycleSuite } from '../contract/blob-lifecycle.suite.js';
import { runBlobStoreSuite } from '../contract/blob-store.suite.js';
import { migrate } from '../../registry/repository/sql/migrate.js';
import { PgliteDatabase } from '../../registry/repository/sql/pglite-database.js';
import { SqlModuleVersionRepository } from '../../registry/repository/sql/sql-module-version-repository.js';
import { BlobCollector } from '../../registry/service/blob-collector.js';
import { BlobSweeper } from '../../registry/service/blob-sweeper.js';
import { DomainError } from '../../registry/domain/domain-error.js';
import { tempDir } from '../support/paths.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { exportCredentials, startVersitygw, type Versitygw } from '../support/versitygw.js';

let gw: Versitygw;
let bucket: string;
const cleanups: (() => Promise<void>)[] = [];
let stores = 0;

before(async () => {
  gw = await startVersitygw();
  exportCredentials(gw);
  bucket = await gw.createBucket();
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await gw?.stop();
});

const s3Config = (prefix: string, over: Partial<S3Config> = {}): S3Config => ({
  bucket, prefix, region: gw.region, endpoint: gw.endpoint, forcePathStyle: true, redirectSeconds: undefined, ...over,
});

/** A store on its own prefix of the one bucket, and its own temp folder. */
async function openStore(
  options: { contentCacheBytes?: number; partSizeBytes?: number } = {},
  over: Partial<S3Config> = {},
): Promise<{ store: S3BlobStore; prefix: string }> {
  const { dir, remove } = await tempDir('s3-storage');
  const prefix = `store-${++stores}/`;
  const store = await S3BlobStore.open(s3Config(prefix, over), dir, options);
  cleanups.push(async () => {
    await store.close();
    await remove();
  });
  return { store, prefix };
}

runBlobStoreSuite('S3 (versitygw)', async () => (await openStore()).store);
runBlobStoreSuite('S3 (versitygw) with a content cache', async () => (await openStore({ contentCacheBytes: 1024 * 1024 })).store);
// References, the collector and publishes racing the sweeper, on PGlite and the bucket; the sweeper's grace on S3 is below.
runBlobLifecycleSuite('PGlite (in memory) and S3 (versitygw)', () => PgliteDatabase.open(), {
  openBlobs: async (dir) => S3BlobStore.open(s3Config(`lifecycle-${++stores}/`), dir),
  blobsKeepFileTimes: false,
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function stage(store: S3BlobStore, content: Buffer): Promise<string> {
  const temp = store.tempPath();
  await writeFile(temp, content);
  return temp;
}

async function keysUnder(prefix: string): Promise<string[]> {
  const client = gw.client();
  try {
    const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (out.Contents ?? []).map((o) => o.Key!).sort();
  } finally {
    client.destroy();
  }
}

describe('S3 blob store: what only it does', () => {
  test('keys are content-addressed under the prefix as the filesystem layout; the store lists only its own', async () => {
    const { store, prefix } = await openStore();
    const content = Buffer.from('laid out like the folder');
    await store.put(sha(content), await stage(store, content));
    assert.deepEqual(await keysUnder(prefix), [`${prefix}blobs/sha256/${sha(content).slice(0, 2)}/${sha(content)}`]);
    const { store: other } = await openStore();
    const listed = [];
    for await (const b of other.list()) listed.push(b.key);
    assert.deepEqual(listed, [], 'another prefix of the same bucket is another store');
  });

  test('S3_REDIRECT: a presigned URL the bucket serves to a client with no credentials, and only as signed', async () => {
    const { store: streaming } = await openStore();
    assert.equal(await streaming.downloadUrl('0'.repeat(64), 'x.zip'), undefined, 'no URL unless redirects are on');
    const { store } = await openStore({}, { redirectSeconds: 60 });
    const content = randomBytes(70_000);
    const key = sha(content);
    await store.put(key, await stage(store, content));
    const url = new URL((await store.downloadUrl(key, 'quote@v1.5.2.zip'))!);
    assert.equal(url.origin, new URL(gw.endpoint).origin);
    assert.equal(url.searchParams.get('X-Amz-Expires'), '60');
    const whole = await fetch(url);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-type'), 'application/zip');
    assert.equal(whole.headers.get('content-disposition'), 'attachment; filename="quote@v1.5.2.zip"');
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(content));
    const part = await fetch(url, { headers: { Range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(content.subarray(100, 200)));
    // The server checks the signature: the same URL for another key is refused. (AWS also refuses
    // a presigned URL sent with an Authorization header; versitygw does not, so the registry's
    // HTTP test checks that go sends none.)
    const other = new URL(url);
    other.pathname = other.pathname.replace(key, sha(Buffer.from('another')));
    assert.equal((await fetch(other)).status, 403, 'a signature covers one key');
  });

  test('a blob larger than a part goes up in parts and reads back whole, from any position', async () => {
    const { store } = await openStore({ partSizeBytes: 5 * 1024 * 1024 });
    const content = randomBytes(11 * 1024 * 1024 + 3);
    const key = sha(content);
    const temp = await stage(store, content);
    await store.prepare(temp);
    assert.deepEqual(await store.put(key, temp), { created: true });
    assert.equal(await store.stat(key), content.length);
    const reader = await store.openReader(key, 6 * 1024 * 1024);
    try {
      const tail = Buffer.alloc(content.length - 6 * 1024 * 1024);
      for (let at = 0; at < tail.length; ) at += await reader.read(tail, at, tail.length - at, 6 * 1024 * 1024 + at);
      assert.ok(tail.equals(content.subarray(6 * 1024 * 1024)), 'from where it was opened');
      const head = Buffer.alloc(100);
      assert.equal(await reader.read(head, 0, 100, 0), 100);
      assert.ok(head.equals(content.subarray(0, 100)), 'and then from elsewhere');
    } finally {
      await reader.close();
    }
  });

  test('prepare uploads; put under the lock uploads again when the object went meanwhile (a collector removed it)', async () => {
    const { store, prefix } = await openStore();
    const content = Buffer.from('removed between prepare and put');
    const key = sha(content);
    const temp = await stage(store, content);
    await store.prepare(temp);
    const objectKey = `${prefix}blobs/sha256/${key.slice(0, 2)}/${key}`;
    assert.deepEqual(await keysUnder(prefix), [objectKey], 'placed by prepare, before any lock');
    assert.equal(existsSync(temp), true, 'the temp file stays until put');
    const client = gw.client();
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey }));
    client.destroy();
    assert.deepEqual(await store.put(key, temp), { created: true });
    assert.equal(existsSync(temp), false);
    assert.equal((await store.read(key, { start: 0, end: content.length - 1 })).toString(), content.toString());
  });

  test('a start with a missing bucket or wrong credentials is refused with a message naming the bucket', async () => {
    const { dir, remove } = await tempDir('s3-refused');
    cleanups.push(remove);
    await assert.rejects(S3BlobStore.open(s3Config('', { bucket: 'no-such-bucket' }), dir), /S3 bucket no-such-bucket at http:\/\/127\.0\.0\.1:\d+ is not usable: no such bucket/);
    const secret = process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = 'wrong-secret';
    try {
      await assert.rejects(S3BlobStore.open(s3Config(''), dir), new RegExp(`S3 bucket ${bucket} .* is not usable: access denied \\(403\\)`));
    } finally {
      process.env.AWS_SECRET_ACCESS_KEY = secret;
    }
  });

  test('a bucket that stops answering is Unavailable (a 503 to the client), naming the bucket, not a crash', async () => {
    const proxy = await startTcpProxy(Number(new URL(gw.endpoint).port));
    const { dir, remove } = await tempDir('s3-unreachable');
    const store = await S3BlobStore.open(s3Config('unreachable/', { endpoint: `http://127.0.0.1:${proxy.port}` }), dir);
    try {
      const content = Buffer.from('stored while the bucket answered');
      await store.put(sha(content), await stage(store, content));
      await proxy.stop();
      const unavailable = (e: unknown) => e instanceof DomainError && e.kind === 'Unavailable' && new RegExp(`S3 bucket ${bucket} at http://127\\.0\\.0\\.1:${proxy.port}`).test(e.message);
      await assert.rejects(store.stat(sha(content)), unavailable);
      await assert.rejects(store.read(sha(content), { start: 0, end: 3 }), unavailable);
      await assert.rejects(store.checkWritable(), /is not usable/);
    } finally {
      await store.close();
      await remove();
    }
  });

  test('the sweeper: an unreferenced object younger than the grace stays; past it (by the clock) it goes, and a referenced one stays', async () => {
    const { store } = await openStore();
    const db = await PgliteDatabase.open();
    try {
      await migrate(db);
      await db.query("INSERT INTO owners (name, visibility) VALUES ('acme', 'public')");
      const repo = new SqlModuleVersionRepository(db);
      const collector = new BlobCollector(repo, store);
      const used = Buffer.from('referenced by a version');
      const orphan = Buffer.from('referenced by nothing');
      await store.put(sha(used), await stage(store, used));
      await store.put(sha(orphan), await stage(store, orphan));
      await repo.transaction((tx) => tx.saveVersion({
        owner: 'acme', modulePath: 'example.com/m', version: 'v1.0.0', blobSha256: sha(used), zipSize: used.length, zipHash: 'h1:z', goMod: undefined, goModHash: 'h1:m',
      }));
      const HOUR = 3_600_000;
      assert.equal((await new BlobSweeper(repo, store, collector, HOUR).sweep()).blobs, 0, 'both younger than an hour');
      assert.equal(await store.stat(sha(orphan)), orphan.length);
      const later = new BlobSweeper(repo, store, collector, HOUR, () => Date.now() + 2 * HOUR);
      assert.deepEqual(await later.sweep(), { blobs: 1, blobBytes: orphan.length, temps: 0, tempBytes: 0 });
      assert.equal(await store.stat(sha(orphan)), undefined);
      assert.equal(await store.stat(sha(used)), used.length);
    } finally {
      await db.close();
    }
  });
});
