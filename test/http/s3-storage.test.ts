/**
 * The registry with BLOB_STORE=s3 on a real S3-compatible server (versitygw on loopback):
 * an upload lands in the bucket under its content hash, is served from it (ranges, ETag,
 * 304), a delete removes its object, and the sweeper removes an object no version references
 * while leaving the referenced one through its sweeps. The bucket is looked at directly (the
 * root credentials' own client) as the independent witness.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { eventually } from '../support/eventually.js';
import { startTestRegistry, type TestRegistry } from '../support/in-process-registry.js';
import { makeModuleZip } from '../support/module-zips.js';
import { tempDir } from '../support/paths.js';
import { exportCredentials, startVersitygw, type Versitygw } from '../support/versitygw.js';

const PREFIX = 'registry/';
let gw: Versitygw;
let s3: S3Client;
let bucket: string;
let reg: TestRegistry;
let dir: string;
let removeDir: () => Promise<void>;
const orphan = Buffer.from('an object a crash left before its commit');

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const objectKey = (key: string) => `${PREFIX}blobs/sha256/${key.slice(0, 2)}/${key}`;
const inBucket = (key: string) =>
  s3.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey(key) })).then(
    (h) => h.ContentLength,
    (err: { $metadata?: { httpStatusCode?: number } }) => {
      if (err.$metadata?.httpStatusCode === 404) return undefined;
      throw err;
    },
  );

async function sweeps(): Promise<number> {
  const text = await (await fetch(`${reg.url}/metrics`)).text();
  return Number(/^goregistry_sweeps_total\{result="ok"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

before(async () => {
  gw = await startVersitygw();
  exportCredentials(gw);
  s3 = gw.client();
  bucket = await gw.createBucket();
  // Placed before the registry starts: no row will ever reference it.
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: objectKey(sha(orphan)), Body: orphan }));
  ({ dir, remove: removeDir } = await tempDir('s3-storage'));
  reg = await startTestRegistry({
    BLOB_STORE: 's3',
    S3_BUCKET: bucket,
    S3_PREFIX: PREFIX,
    S3_REGION: gw.region,
    S3_ENDPOINT: gw.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    SWEEP_GRACE_SECONDS: '0',
    SWEEP_INTERVAL_SECONDS: '0.3',
  });
  await reg.createOwner('acme');
});
after(async () => {
  await reg?.stop();
  s3?.destroy();
  await gw?.stop();
  await removeDir?.();
});

test('BLOB_STORE=s3: upload, download with ranges and ETag, delete, and the sweeper, all in the bucket', async () => {
  const zip = await readFile(await makeModuleZip(dir, 'example.com/s3', 'v1.0.0'));
  const key = sha(zip);
  const up = await fetch(`${reg.url}/api/packages/acme/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: { Authorization: reg.auth } });
  assert.equal(up.status, 201, await up.text());
  assert.equal(await inBucket(key), zip.length, 'the zip is in the bucket under its content hash');
  assert.deepEqual((await reg.storedFiles()).temp, [], 'no temp file left behind');

  const url = `${reg.url}/api/packages/acme/go/example.com/s3/@v/v1.0.0.zip`;
  const whole = await fetch(url);
  assert.equal(whole.status, 200);
  assert.ok(Buffer.from(await whole.arrayBuffer()).equals(zip));
  const etag = whole.headers.get('etag');
  assert.equal(etag, `"${key}"`);
  const partial = await fetch(url, { headers: { Range: 'bytes=10-19' } });
  assert.equal(partial.status, 206);
  assert.equal(partial.headers.get('content-range'), `bytes 10-19/${zip.length}`);
  assert.ok(Buffer.from(await partial.arrayBuffer()).equals(zip.subarray(10, 20)));
  assert.equal((await fetch(url, { headers: { 'If-None-Match': etag! } })).status, 304);

  // The sweeper (grace 0, every 0.3 s): the orphan goes; the referenced zip stays through two more sweeps.
  await eventually('the orphan swept', async () => (await inBucket(sha(orphan))) === undefined, { timeoutMs: 10_000, intervalMs: 100 });
  const seen = await sweeps();
  await eventually('two more sweeps', async () => (await sweeps()) >= seen + 2, { timeoutMs: 10_000, intervalMs: 100 });
  assert.equal(await inBucket(key), zip.length, 'the referenced zip survives the sweeps');
  assert.ok(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(zip));

  // Over 1 MiB: streamed from the bucket through the reader, whole and from a position.
  const big = await readFile(await makeModuleZip(dir, 'example.com/big', 'v1.0.0', { 'go.mod': 'module example.com/big\n', 'data.bin': randomBytes(1_200_000) }));
  assert.ok(big.length > 1024 * 1024, `${big.length} bytes`);
  const upBig = await fetch(`${reg.url}/api/packages/acme/go/upload`, { method: 'PUT', body: new Uint8Array(big), headers: { Authorization: reg.auth } });
  assert.equal(upBig.status, 201, await upBig.text());
  const bigUrl = `${reg.url}/api/packages/acme/go/example.com/big/@v/v1.0.0.zip`;
  assert.ok(Buffer.from(await (await fetch(bigUrl)).arrayBuffer()).equals(big));
  const tail = await fetch(bigUrl, { headers: { Range: `bytes=${big.length - 1_100_000}-` } });
  assert.equal(tail.status, 206);
  assert.ok(Buffer.from(await tail.arrayBuffer()).equals(big.subarray(big.length - 1_100_000)));

  const del = await fetch(`${reg.url}/api/packages/acme/go/example.com/s3/@v/v1.0.0`, { method: 'DELETE', headers: { Authorization: reg.auth } });
  assert.equal(del.status, 204, await del.text());
  assert.equal((await fetch(url)).status, 404);
  await eventually('the object removed from the bucket', async () => (await inBucket(key)) === undefined, { timeoutMs: 10_000, intervalMs: 100 });
});
