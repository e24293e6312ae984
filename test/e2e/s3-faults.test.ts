/**
 * The S3 blob store's bad configuration and a bucket lost while serving, on the registry
 * process as a user runs it: a start without a bucket, with a bucket that does not exist,
 * with wrong credentials or with an endpoint nobody answers is refused in seconds with a
 * message naming what is wrong; a bucket that stops answering later makes /readyz say so
 * (503, naming the bucket) and every request that needs it a 503 with a text/plain message,
 * never a 500, while what needs only the database is still served; back, all is well.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { curl, curlUpload } from '../support/curl.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { makeModuleZip } from '../support/module-zips.js';
import { tempDir } from '../support/paths.js';
import { startRegistryProcess } from '../support/registry-process.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { registryS3Env, startVersitygw, type Versitygw } from '../support/versitygw.js';

const ADMIN = 'e2e-admin-token-s3-faults-012345';
let root: string;
let cleanup: () => Promise<void>;
let gw: Versitygw;
let bucket: string;
let n = 0;

const s3Env = (extra: Record<string, string> = {}): Record<string, string> => ({
  DATA_DIR: path.join(root, `data-${n++}`),
  REGISTRY_ADMIN_TOKEN: ADMIN,
  ...registryS3Env(gw, bucket),
  ...extra,
});

before(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('e2e-s3-faults'));
  gw = await startVersitygw();
  bucket = await gw.createBucket();
});
after(async () => {
  await gw?.stop();
  await cleanup?.();
});

/** The start is refused: the process exits (2: configuration, 1: the bucket as configured), and its log says why. */
async function refused(env: Record<string, string>, code = 1): Promise<string> {
  const started = Date.now();
  const err = await startRegistryProcess(env, 30_000).then(
    async (r) => {
      await r.stop();
      assert.fail('the registry started');
    },
    (e: Error) => e,
  );
  assert.match(err.message, new RegExp(`exited with ${code} before "listening"`), err.message);
  assert.ok(Date.now() - started < 20_000, 'refused in seconds, not after a hang');
  return err.message;
}

test('a start without S3_BUCKET, with a missing bucket, wrong credentials or an endpoint nobody answers is refused, naming it', async () => {
  const { S3_BUCKET: _, ...noBucket } = s3Env();
  assert.match(await refused(noBucket, 2), /S3_BUCKET: needed with BLOB_STORE=s3/);
  assert.match(await refused(s3Env({ S3_BUCKET: 'no-such-bucket' })), /S3 bucket no-such-bucket at http:\/\/127\.0\.0\.1:\d+ is not usable: no such bucket/);
  assert.match(await refused(s3Env({ AWS_SECRET_ACCESS_KEY: 'not-the-secret' })), new RegExp(`S3 bucket ${bucket} .* is not usable: access denied`));
  const nobody = `http://127.0.0.1:${await freePort()}`;
  assert.match(await refused(s3Env({ S3_ENDPOINT: nobody })), new RegExp(`S3 bucket ${bucket} at ${nobody.replace(/\./g, '\\.')} is not usable: .*(ECONNREFUSED|refused)`, 'i'));
});

test('a bucket lost while serving: /readyz says why, requests that need it are 503 with a message, none a 500; back, all is well', async () => {
  let proxy: TcpProxy = await startTcpProxy(Number(new URL(gw.endpoint).port));
  const front = `http://127.0.0.1:${proxy.port}`;
  const reg = await startRegistryProcess(s3Env({ S3_ENDPOINT: front, ZIP_CACHE_MB: '0' }));
  try {
    assert.equal((await curl(['-X', 'PUT', '-H', `Authorization: Bearer ${ADMIN}`, '-H', 'Content-Type: application/json', '--data', '{"visibility":"public"}', `${reg.url}/api/admin/owners/acme`])).status, 201);
    const zip = await makeModuleZip(root, 'example.com/lost', 'v1.0.0');
    assert.equal((await curlUpload(reg.url, 'acme', zip, `ci:${ADMIN}`)).status, 201);
    const base = `${reg.url}/api/packages/acme/go/example.com/lost/@v`;
    assert.equal((await curl([`${reg.url}/readyz`])).status, 200);

    await proxy.stop();
    const ready = await curl([`${reg.url}/readyz`]);
    assert.equal(ready.status, 503);
    assert.match(ready.body, new RegExp(`^blob store: S3 bucket ${bucket} at ${front.replace(/\./g, '\\.')} is not usable`, 'm'));
    const download = await curl([`${base}/v1.0.0.zip`]);
    assert.equal(download.status, 503, download.body);
    assert.match(download.contentType, /^text\/plain/);
    assert.match(download.body, new RegExp(`the blob store \\(S3 bucket ${bucket} at .*\\) is unavailable`));
    const upload = await curlUpload(reg.url, 'acme', await makeModuleZip(root, 'example.com/lost', 'v1.0.1'), `ci:${ADMIN}`);
    assert.equal(upload.status, 503, upload.body);
    assert.match(upload.contentType, /^text\/plain/);
    // What needs only the database is served as ever.
    assert.equal((await curl([`${base}/list`])).body, 'v1.0.0\n');
    assert.equal((await curl([`${base}/v1.0.0.info`])).status, 200);

    proxy = await startTcpProxy(Number(new URL(gw.endpoint).port), '127.0.0.1', Number(new URL(front).port));
    await eventually('/readyz is 200 again', async () => (await curl([`${reg.url}/readyz`])).status === 200);
    assert.equal((await curl(['-o', '/dev/null', `${base}/v1.0.0.zip`])).status, 200);
    assert.equal((await curlUpload(reg.url, 'acme', await makeModuleZip(root, 'example.com/lost', 'v1.0.1'), `ci:${ADMIN}`)).status, 201);
    const statuses = reg.logs.flatMap((l) => /"status":(\d+)/.exec(l)?.[1] ?? []).map(Number);
    assert.ok(statuses.length > 0 && !statuses.includes(500), 'no request was a 500');
  } finally {
    await reg.stop();
    await proxy.stop();
  }
});
