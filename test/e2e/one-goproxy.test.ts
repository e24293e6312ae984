/**
 * One GOPROXY for a whole build, with the real go command and a fresh module cache: a
 * consumer requiring a private owner's hosted module (under its claim) and public
 * modules builds with GOPROXY=https://host/go, GOSUMDB set to a checksum database that
 * go reaches through the registry (x/mod's server with a test key, its records computed
 * by go) and GONOSUMDB = the claim. Then, with the upstream stopped, the same build from
 * an empty module cache succeeds from the registry alone. Dependency confusion: the
 * upstream also serves the claimed module (a newer version, other bytes); the build gets
 * the hosted one and the upstream never sees a request for that path.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { curl } from '../support/curl.js';
import { goClient } from '../support/go-client.js';
import { goSumLines } from '../support/go-sums.js';
import { makeModuleZip } from '../support/module-zips.js';
import { tempDir } from '../support/paths.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';
import { startStaticGoproxy, type StaticGoproxy, type UpstreamModule } from '../support/static-goproxy.js';
import { referenceKeygen, startReferenceSumdb, type ReferenceSumdb } from '../support/sumdb-reference.js';
import { createTestCa, type TestCa } from '../support/test-ca.js';

const ADMIN = 'one-goproxy-admin-token-0123456789';
let root: string;
let cleanup: () => Promise<void>;
let ca: TestCa;
let upstream: StaticGoproxy;
let sumdb: ReferenceSumdb;
let registry: RegistryProcess;
let vkey: string;
let readToken: string;

const PUBLIC: UpstreamModule[] = [
  { path: 'public.example/greet', version: 'v1.2.0', files: { 'go.mod': 'module public.example/greet\n\ngo 1.21\n', 'greet.go': 'package greet\n\nfunc Hello() string { return "hello" }\n' } },
  { path: 'public.example/util', version: 'v0.3.0', files: { 'go.mod': 'module public.example/util\n\ngo 1.21\n', 'util.go': 'package util\n\nfunc Twice(s string) string { return s + s }\n' } },
];
// A squatter: the claimed path, a newer version, published upstream.
const SQUAT: UpstreamModule = { path: 'corp.example/secret', version: 'v9.9.9', files: { 'go.mod': 'module corp.example/secret\n\ngo 1.21\n', 'secret.go': 'package secret\n\nconst Answer = 666\n' } };

const admin = (method: string, p: string, body?: unknown) =>
  curl(['--cacert', ca.caFile, '-X', method, '-H', `Authorization: Bearer ${ADMIN}`, '-H', 'Content-Type: application/json',
    ...(body ? ['--data', JSON.stringify(body)] : []), `${registry.url}/api/admin${p}`]);

before(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('one-goproxy'));
  ca = await createTestCa(root);
  const cert = await ca.issue('registry');
  upstream = await startStaticGoproxy(root);
  for (const m of [...PUBLIC, SQUAT]) await upstream.add(m);
  const keys = await referenceKeygen('sum.test.example');
  vkey = keys.vkey;
  sumdb = await startReferenceSumdb({ skey: keys.skey, records: await goSumLines(upstream.url, PUBLIC.map((m) => `${m.path}@${m.version}`)) });
  registry = await startRegistryProcess({
    DATA_DIR: path.join(root, 'data'), REGISTRY_ADMIN_TOKEN: ADMIN, TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.keyFile,
    UPSTREAM_GOPROXY: upstream.url, UPSTREAM_SUMDB: `${vkey} ${sumdb.url}`,
  });
  assert.equal((await admin('PUT', '/owners/corp', { visibility: 'private', claims: ['corp.example'] })).status, 201);
  readToken = JSON.parse((await admin('PUT', '/owners/corp/tokens/ci', { scopes: ['read'] })).body).token as string;
  const zip = await makeModuleZip(root, 'corp.example/secret', 'v1.0.0', {
    'go.mod': 'module corp.example/secret\n\ngo 1.21\n\nrequire public.example/util v0.3.0\n',
    'secret.go': 'package secret\n\nimport "public.example/util"\n\nvar Answer = util.Twice("4") // 44\n',
  });
  const up = await curl(['--cacert', ca.caFile, '-H', `Authorization: Bearer ${ADMIN}`, '--upload-file', zip, `${registry.url}/api/packages/corp/go/upload`]);
  assert.equal(up.status, 201, up.body);
});
after(async () => {
  await registry?.stop();
  await sumdb?.stop();
  await upstream?.stop();
  await cleanup?.();
});

/** A consumer and the go command, set up as a cluster user would with one GOPROXY. */
async function build(name: string): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  const go = await goClient(dir, `${registry.url}/go`);
  const netrc = path.join(dir, '.netrc');
  await writeFile(netrc, `machine ${new URL(registry.url).host} login ci password ${readToken}\n`, { mode: 0o600 });
  await writeFile(path.join(go.consumer, 'main.go'),
    'package main\n\nimport (\n\t"fmt"\n\n\t"corp.example/secret"\n\t"public.example/greet"\n)\n\nfunc main() { fmt.Println(greet.Hello(), secret.Answer) }\n');
  const env = { SSL_CERT_FILE: ca.caFile, NETRC: netrc, GOSUMDB: vkey, GONOSUMDB: 'corp.example' };
  await go.go(['get', 'corp.example/secret@v1.0.0', 'public.example/greet@v1.2.0'], { env });
  await go.go(['build', '-o', path.join(dir, 'app'), '.'], { env });
  const sums = await readFile(path.join(go.consumer, 'go.sum'), 'utf8');
  const { execFile } = await import('node:child_process');
  const out = await new Promise<string>((resolve, reject) => execFile(path.join(dir, 'app'), (err, stdout) => (err ? reject(err) : resolve(stdout))));
  return `${out.trim()}\n${sums}`;
}

test('hosted and public modules through one GOPROXY, public ones verified by a GOSUMDB reached through the registry', async () => {
  const result = await build('first');
  assert.match(result, /^hello 44\n/, 'the hosted module, not the squatter (Answer 666)');
  assert.match(result, /public\.example\/greet v1\.2\.0 h1:/);
  assert.ok(upstream.requests.some((r) => r.includes('public.example/greet')), 'public modules came from the upstream');
  assert.deepEqual(upstream.requests.filter((r) => r.includes('corp.example')), [], 'the upstream never heard of the claimed path');
});

test('with the upstream gone, the same build from an empty module cache succeeds from the registry alone', async () => {
  await upstream.stop();
  await sumdb.stop();
  const result = await build('offline');
  assert.match(result, /^hello 44\n/);
});
