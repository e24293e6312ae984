/**
 * Private modules over HTTPS, as the go command needs them: the registry with a
 * certificate from a test CA (SSL_CERT_FILE for go), credentials from .netrc. Also
 * certificate rotation without a restart, and secrets absent from disk and logs.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, test } from 'node:test';
import { curl } from '../support/curl.js';
import { goClient } from '../support/go-client.js';
import { makeModuleZip } from '../support/module-zips.js';
import { tempDir } from '../support/paths.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';
import { createTestCa, type TestCa } from '../support/test-ca.js';

const ADMIN = 'e2e-admin-token-tls-0123456789ab';
let root: string;
let cleanup: () => Promise<void>;
let ca: TestCa;
let registry: RegistryProcess;
let certFile: string;
let readToken: string;

/** fetch with the test CA trusted, through curl (Node's fetch has no per-call CA option). */
const admin = (method: string, p: string, body?: unknown) =>
  curl(['--cacert', ca.caFile, '-X', method, '-H', `Authorization: Bearer ${ADMIN}`, '-H', 'Content-Type: application/json',
    ...(body ? ['--data', JSON.stringify(body)] : []), `${registry.url}/api/admin${p}`]);

before(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('tls'));
  ca = await createTestCa(root);
  const first = await ca.issue('server1');
  certFile = path.join(root, 'tls.crt');
  await copyFile(first.certFile, certFile);
  await copyFile(first.keyFile, path.join(root, 'tls.key'));
  registry = await startRegistryProcess({
    DATA_DIR: path.join(root, 'data'),
    REGISTRY_ADMIN_TOKEN: ADMIN,
    TLS_CERT_FILE: certFile,
    TLS_KEY_FILE: path.join(root, 'tls.key'),
  });
  assert.match(registry.url, /^https:/);
  assert.equal((await admin('PUT', '/owners/corp', { visibility: 'private' })).status, 201);
  readToken = JSON.parse((await admin('PUT', '/owners/corp/tokens/ci', { scopes: ['read'] })).body).token;
  const writer = JSON.parse((await admin('PUT', '/owners/corp/tokens/publisher', { scopes: ['write'] })).body).token as string;
  const zip = await makeModuleZip(root, 'corp.example.com/secret', 'v1.0.0', {
    'go.mod': 'module corp.example.com/secret\n\ngo 1.21\n',
    'secret.go': 'package secret\n\nconst Answer = 42\n',
  });
  const up = await curl(['--cacert', ca.caFile, '--user', `publisher:${writer}`, '--upload-file', zip, `${registry.url}/api/packages/corp/go/upload`]);
  assert.equal(up.status, 201, up.body);
});
after(async () => {
  await registry?.stop();
  await cleanup();
});

/** go matches .netrc machines against host:port when the port is not 443. */
const host = () => new URL(registry.url).host;

async function goWith(name: string, netrc?: string) {
  const go = await goClient(path.join(root, name), `${registry.url}/api/packages/corp/go`);
  const netrcFile = path.join(root, `${name}.netrc`);
  await writeFile(netrcFile, netrc ?? '', { mode: 0o600 });
  return (args: string[]) => go.go(args, { env: { SSL_CERT_FILE: ca.caFile, NETRC: netrcFile } });
}

test('go mod download of a private module works with a read token in .netrc', async () => {
  const go = await goWith('with', `machine ${host()} login ci password ${readToken}\n`);
  const { stdout } = await go(['mod', 'download', '-json', 'corp.example.com/secret@latest']);
  assert.equal((JSON.parse(stdout) as { Version: string }).Version, 'v1.0.0');
});

test('without credentials it fails, and the module looks absent', async () => {
  const go = await goWith('without');
  await assert.rejects(go(['mod', 'download', 'corp.example.com/secret@v1.0.0']), /404 Not Found/);
});

test('with a revoked token it fails', async () => {
  const doomed = JSON.parse((await admin('PUT', '/owners/corp/tokens/doomed', { scopes: ['read'] })).body).token as string;
  const go = await goWith('revoked', `machine ${host()} login ci password ${doomed}\n`);
  await go(['list', '-m', 'corp.example.com/secret@latest']);
  assert.equal((await admin('DELETE', '/owners/corp/tokens/doomed')).status, 204);
  const fresh = await goWith('revoked2', `machine ${host()} login ci password ${doomed}\n`);
  await assert.rejects(fresh(['mod', 'download', 'corp.example.com/secret@v1.0.0']), /401 Unauthorized/);
});

/** One raw HTTP/1.1 request on an open TLS socket; resolves with the status line. */
function requestOn(socket: tls.TLSSocket, p: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    const onData = (chunk: Buffer) => {
      data += chunk.toString();
      const end = data.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(data)?.[1];
      if (end >= 0 && length !== undefined && data.length >= end + 4 + Number(length)) {
        socket.off('data', onData);
        resolve(data.slice(0, data.indexOf('\r\n')));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(`GET ${p} HTTP/1.1\r\nHost: ${host()}\r\nConnection: keep-alive\r\n\r\n`);
  });
}

test('a rotated certificate is served without a restart or a dropped connection', async () => {
  const kept = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: registry.port, ca: [readFileSync(ca.caFile)] }, () => resolve(s));
    s.on('error', reject);
  });
  assert.equal(await requestOn(kept, '/healthz'), 'HTTP/1.1 200 OK');
  const serial = () =>
    new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: registry.port, ca: [readFileSync(ca.caFile)] }, () => {
        resolve(socket.getPeerCertificate().serialNumber);
        socket.end();
      });
      socket.on('error', reject);
    });
  const before = await serial();
  const second = await ca.issue('server2');
  await copyFile(second.keyFile, path.join(root, 'tls.key'));
  await copyFile(second.certFile, certFile);
  let now = before;
  for (let i = 0; i < 50 && now === before; i++) {
    await new Promise((r) => setTimeout(r, 200));
    now = await serial();
  }
  assert.notEqual(now, before, 'the new certificate is presented');
  assert.equal(await requestOn(kept, '/healthz'), 'HTTP/1.1 200 OK', 'the connection opened before the rotation still works');
  kept.end();
  const go = await goWith('rotated', `machine ${host()} login ci password ${readToken}\n`);
  await go(['list', '-m', 'corp.example.com/secret@latest']);
});

test('token values appear nowhere on disk or in logs; only their SHA-256 does', async () => {
  await registry.stop();
  const files = await readdir(path.join(root, 'data'), { recursive: true, withFileTypes: true });
  const digest = createHash('sha256').update(readToken).digest('hex');
  let digestSeen = false;
  for (const f of files.filter((e) => e.isFile())) {
    const bytes = await readFile(path.join((f as unknown as { parentPath?: string; path: string }).parentPath ?? (f as unknown as { path: string }).path, f.name));
    assert.ok(!bytes.includes(readToken), `${f.name} holds a token value`);
    digestSeen ||= bytes.includes(digest);
  }
  assert.ok(digestSeen, 'the database files were searched: the token digest is on disk');
  assert.ok(!registry.logs.join('\n').includes(readToken));
  assert.ok(!registry.logs.join('\n').includes(ADMIN));
});

