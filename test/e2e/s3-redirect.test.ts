/**
 * S3_REDIRECT with the real go command over HTTPS: a zip download of a private module is a
 * 307 to a presigned URL of the bucket, which go follows, and the zip it gets there passes
 * the registry's own checksum database. The bucket (versitygw) sits behind a recording
 * HTTPS front, the witness of what go sent it: no registry credentials, only the signature
 * in the query — when the bucket's host is not the registry's. go keeps Authorization on a
 * redirect to the same host name or a subdomain of it (whatever the port), which is why
 * the README says to give the bucket a host of its own.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { curl } from '../support/curl.js';
import { goClient } from '../support/go-client.js';
import { makeModuleZip } from '../support/module-zips.js';
import { tempDir } from '../support/paths.js';
import { startRecordingHttpsProxy, type RecordingHttpsProxy } from '../support/recording-https-proxy.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';
import { createTestCa, type TestCa } from '../support/test-ca.js';
import { startVersitygw, type Versitygw } from '../support/versitygw.js';

const ADMIN = 'e2e-admin-token-s3-redirect-0123';
const MODULE = 'corp.example/blob';
let root: string;
let cleanup: () => Promise<void>;
let ca: TestCa;
let gw: Versitygw;
let bucketFront: RecordingHttpsProxy;
let registry: RegistryProcess;
let readToken: string;
let sumdbKey: string;
let uploaded: string;

const tls = () => ['--cacert', ca.caFile];
const admin = (method: string, p: string, body?: unknown) =>
  curl([...tls(), '-X', method, '-H', `Authorization: Bearer ${ADMIN}`, '-H', 'Content-Type: application/json',
    ...(body ? ['--data', JSON.stringify(body)] : []), `${registry.url}${p}`]);

before(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('s3-redirect'));
  ca = await createTestCa(root);
  gw = await startVersitygw();
  const bucket = await gw.createBucket();
  bucketFront = await startRecordingHttpsProxy(gw.endpoint, await ca.issue('bucket'));
  const cert = await ca.issue('registry');
  registry = await startRegistryProcess({
    DATA_DIR: path.join(root, 'data'), REGISTRY_ADMIN_TOKEN: ADMIN, TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.keyFile,
    BLOB_STORE: 's3', S3_BUCKET: bucket, S3_REGION: gw.region, S3_ENDPOINT: bucketFront.url, S3_FORCE_PATH_STYLE: 'true',
    S3_REDIRECT: 'true', S3_REDIRECT_EXPIRES_SECONDS: '120', ZIP_CACHE_MB: '0',
    AWS_ACCESS_KEY_ID: gw.accessKeyId, AWS_SECRET_ACCESS_KEY: gw.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true',
    // The registry's own S3 client reaches the bucket through the same HTTPS front.
    NODE_EXTRA_CA_CERTS: ca.caFile,
    SUMDB_NAME: 'sum.redirect.test',
  });
  sumdbKey = (await curl([...tls(), `${registry.url}/api/sumdb/key`])).body.trim();
  assert.equal((await admin('PUT', '/api/admin/owners/corp', { visibility: 'private' })).status, 201);
  readToken = JSON.parse((await admin('PUT', '/api/admin/owners/corp/tokens/ci', { scopes: ['read'] })).body).token as string;
  const zip = (uploaded = await makeModuleZip(root, MODULE, 'v1.0.0', {
    'go.mod': `module ${MODULE}\n\ngo 1.21\n`,
    'blob.go': 'package blob\n\nconst Where = "the bucket"\n',
  }));
  const up = await curl([...tls(), '-H', `Authorization: Bearer ${ADMIN}`, '--upload-file', zip, `${registry.url}/api/packages/corp/go/upload`]);
  assert.equal(up.status, 201, up.body);
});
after(async () => {
  await registry?.stop();
  await bucketFront?.stop();
  await gw?.stop();
  await cleanup?.();
});

const zipPath = `/api/packages/corp/go/${MODULE}/@v/v1.0.0.zip`;
const bucketGets = () => bucketFront.requests.filter((r) => r.method === 'GET' && r.url.includes('X-Amz-Signature='));

test('a zip GET is a 307 to a presigned bucket URL that no cache may keep; HEAD, 304 and the masking stay the registry\'s', async () => {
  const read = ['-u', `ci:${readToken}`];
  const got = await curl([...tls(), ...read, '-D', '-', '-o', '/dev/null', `${registry.url}${zipPath}`]);
  assert.equal(got.status, 307);
  const location = /^location: (.+)$/im.exec(got.body)?.[1]?.trim() ?? '';
  assert.ok(location.startsWith(`${bucketFront.url}/`), location);
  assert.match(location, /X-Amz-Expires=120/);
  assert.match(got.body, /^cache-control: no-store/im);
  const etag = /^etag: (.+)$/im.exec(got.body)?.[1]?.trim() ?? '';
  // curl following the redirect gets the zip from the bucket, with no credentials of ours.
  const followed = await curl([...tls(), ...read, '-L', '-o', path.join(root, 'followed.zip'), `${registry.url}${zipPath}`]);
  assert.equal(followed.status, 200);
  assert.ok((await readFile(path.join(root, 'followed.zip'))).equals(await readFile(uploaded)), 'the bytes uploaded');
  const head = await curl([...tls(), ...read, '-I', `${registry.url}${zipPath}`]);
  assert.equal(head.status, 200, 'HEAD is answered by the registry');
  assert.match(head.body, /^content-length: [1-9]/im);
  assert.equal((await curl([...tls(), ...read, '-H', `If-None-Match: ${etag}`, `${registry.url}${zipPath}`])).status, 304);
  const before = bucketGets().length;
  for (const args of [[], ['-u', 'ci:wrong-token']]) {
    const hidden = await curl([...tls(), ...args, '-D', '-', `${registry.url}${zipPath}`]);
    const missing = await curl([...tls(), ...args, '-D', '-', `${registry.url}${zipPath.replace('v1.0.0', 'v9.9.9')}`]);
    assert.equal(hidden.status, missing.status, 'no URL for a reader who may not see the module: the answer to a missing one');
    assert.ok(hidden.status === 404 || hidden.status === 401, String(hidden.status));
    assert.doesNotMatch(hidden.body, /X-Amz|location:/i);
  }
  assert.equal(bucketGets().length, before);
});

async function goDownload(name: string, registryHost: string) {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  const base = registry.url.replace('127.0.0.1', registryHost);
  const go = await goClient(dir, `${base}/api/packages/corp/go`);
  const netrc = path.join(dir, '.netrc');
  await writeFile(netrc, `machine ${new URL(base).host} login ci password ${readToken}\n`, { mode: 0o600 });
  const seen = bucketGets().length;
  const { stdout } = await go.go(['mod', 'download', '-json', `${MODULE}@v1.0.0`], {
    env: { SSL_CERT_FILE: ca.caFile, NETRC: netrc, GOSUMDB: sumdbKey, GONOSUMDB: '', GOPRIVATE: '' },
  });
  const result = JSON.parse(stdout) as { Sum?: string; Error?: string };
  return { result, sent: bucketGets().slice(seen) };
}

test('go follows the redirect, verifies the zip against the registry\'s checksum database, and sends the bucket no credentials', async () => {
  const { result, sent } = await goDownload('own-host', 'localhost');
  assert.equal(result.Error, undefined);
  assert.match(result.Sum ?? '', /^h1:/);
  assert.equal(sent.length, 1, 'the zip came from the bucket');
  const request = sent[0]!;
  assert.equal(request.headers.authorization, undefined, 'no Authorization to a host that is not the registry\'s');
  assert.ok(!JSON.stringify(request).includes(readToken), 'the token appears nowhere in what the bucket got');
});

test('the hazard the README names: a bucket on the registry\'s own host name gets go\'s Authorization header', async () => {
  // Registry and bucket front are both 127.0.0.1 here (other ports): go treats that as the same host.
  const { result, sent } = await goDownload('same-host', '127.0.0.1');
  assert.equal(result.Error, undefined, 'versitygw ignores the extra header; AWS S3 refuses such a request');
  assert.equal(sent.length, 1);
  assert.match(String(sent[0]!.headers.authorization), /^Basic /, 'go forwards credentials to the same host name');
});
