/**
 * GOAUTH='go-registry goauth' with the real go command over HTTPS (a test CA) and no
 * .netrc: two private owners, one GOPROXY list, a read token each — one stored by `login`,
 * one in a token file (as a projected ServiceAccount token is), replaced between runs. Each
 * token reads only its own owner, so both downloads succeeding shows each endpoint got its
 * own; the same tokens handed out per host (what .netrc can do) fail, and the registry's
 * access log shows each owner's module fetched from its own endpoint.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { cliBinDir, runCliProcess } from '../support/cli-process.js';
import { goClient } from '../support/go-client.js';
import { tempDir } from '../support/paths.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';
import { createTestCa, type TestCa } from '../support/test-ca.js';

const ADMIN = 'e2e-admin-token-cli-goauth-0123456789';
let root: string;
let cleanup: () => Promise<void>;
let ca: TestCa;
let registry: RegistryProcess;
let cliEnv: NodeJS.ProcessEnv;
let bin: string;
const endpoint = (owner: string) => `${registry.url}/api/packages/${owner}/go`;

/** The admin API through the CLI's own `tokens` command (which uses the admin token). */
async function token(owner: string, name: string, scopes: string): Promise<string> {
  const run = await runCliProcess(['tokens', 'create', name, '--owner', owner, '--scopes', scopes, '--json'], { env: { ...cliEnv, GOREGISTRY_TOKEN: ADMIN } });
  assert.equal(run.code, 0, run.stderr);
  return (JSON.parse(run.stdout) as { token: string }).token;
}

async function publish(owner: string, modulePath: string) {
  const dir = path.join(root, 'src', owner);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'go.mod'), `module ${modulePath}\n\ngo 1.21\n`);
  await writeFile(path.join(dir, 'm.go'), `package m\n\nconst Owner = "${owner}"\n`);
  const writer = await token(owner, 'publisher', 'write');
  const run = await runCliProcess(['publish', dir, '--version', 'v1.0.0', '--registry', endpoint(owner)], { env: { ...cliEnv, GOREGISTRY_TOKEN: writer } });
  assert.equal(run.code, 0, run.stderr);
}

before(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('cli-goauth'));
  ca = await createTestCa(root);
  const cert = await ca.issue('server');
  await copyFile(cert.certFile, path.join(root, 'tls.crt'));
  await copyFile(cert.keyFile, path.join(root, 'tls.key'));
  registry = await startRegistryProcess({ DATA_DIR: path.join(root, 'data'), REGISTRY_ADMIN_TOKEN: ADMIN, TLS_CERT_FILE: path.join(root, 'tls.crt'), TLS_KEY_FILE: path.join(root, 'tls.key') });
  bin = await cliBinDir(root);
  cliEnv = { PATH: process.env.PATH, HOME: root, SSL_CERT_FILE: ca.caFile, XDG_CONFIG_HOME: path.join(root, 'config'), GOREGISTRY_URL: registry.url };
  for (const owner of ['alpha', 'beta']) await createOwnerOverTls(owner);
  await publish('alpha', 'alpha.example.com/lib');
  await publish('beta', 'beta.example.com/lib');
});
after(async () => {
  await registry?.stop();
  await cleanup();
});

/** PUT /api/admin/owners/{owner}, with the test CA trusted. */
async function createOwnerOverTls(owner: string) {
  await new Promise<void>((resolve, reject) => {
    const req = https.request(`${registry.url}/api/admin/owners/${owner}`, { method: 'PUT', ca: readFileSync(ca.caFile), headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`owner ${owner}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ visibility: 'private' }));
  });
}

async function goWithGoauth(name: string, env: NodeJS.ProcessEnv) {
  const go = await goClient(path.join(root, name), `${endpoint('alpha')},${endpoint('beta')}`);
  return (args: string[]) =>
    go.go(args, { env: { PATH: `${bin}:${process.env.PATH}`, GOAUTH: 'go-registry goauth', NETRC: path.join(root, 'no-netrc'), SSL_CERT_FILE: ca.caFile, ...env } });
}

test('each owner endpoint gets its own token: one from login, one from a token file re-read on every call', async () => {
  const alphaRead = await token('alpha', 'reader', 'read');
  const login = await runCliProcess(['login', '--registry', registry.url, '--token-stdin'], { env: cliEnv, stdin: alphaRead });
  assert.equal(login.code, 0, login.stderr);
  const tokenFile = path.join(root, 'projected', 'token');
  await mkdir(path.dirname(tokenFile), { recursive: true });
  await writeFile(tokenFile, await token('beta', 'reader1', 'read'));
  const config = path.join(root, 'config', 'go-registry', 'credentials.json');
  const stored = await runCliProcess(['whoami', '--registry', registry.url, '--json'], { env: cliEnv });
  assert.equal(stored.code, 0, stored.stderr);
  // The token file goes in by hand, as a Pod's config would name its projected token.
  const file = JSON.parse(await readFile(config, 'utf8')) as { credentials: Record<string, unknown> };
  file.credentials[endpoint('beta')] = { tokenFile };
  await writeFile(config, JSON.stringify(file), { mode: 0o600 });

  const logStart = registry.logs.length;
  const go = await goWithGoauth('both', { XDG_CONFIG_HOME: path.join(root, 'config') });
  const { stdout } = await go(['mod', 'download', '-json', 'alpha.example.com/lib@v1.0.0', 'beta.example.com/lib@v1.0.0']);
  assert.equal((stdout.match(/"Error"/g) ?? []).length, 0, stdout);
  assert.equal((stdout.match(/"Version": "v1.0.0"/g) ?? []).length, 2, stdout);
  const fetched = registry.logs.slice(logStart).map((l) => JSON.parse(l) as { path?: string; status?: number }).filter((l) => l.status === 200 && l.path?.endsWith('.zip'));
  assert.deepEqual(fetched.map((l) => l.path).sort(), ['/api/packages/alpha/go/alpha.example.com/lib/@v/v1.0.0.zip', '/api/packages/beta/go/beta.example.com/lib/@v/v1.0.0.zip']);

  // The kubelet replaces a projected token: a new one in the file, the old one revoked.
  await writeFile(tokenFile, await token('beta', 'reader2', 'read'));
  const revoke = await runCliProcess(['tokens', 'revoke', 'reader1', '--owner', 'beta', '--registry', registry.url], { env: { ...cliEnv, GOREGISTRY_TOKEN: ADMIN } });
  assert.equal(revoke.code, 0, revoke.stderr);
  const again = await goWithGoauth('rotated', { XDG_CONFIG_HOME: path.join(root, 'config') });
  await again(['mod', 'download', 'beta.example.com/lib@v1.0.0']);
});

test('the environment token reaches only GOREGISTRY_URL; one token per host (what .netrc gives) fails the other owner', async () => {
  const alphaRead = await token('alpha', 'env-reader', 'read');
  const env = { XDG_CONFIG_HOME: path.join(root, 'empty'), GOREGISTRY_TOKEN: alphaRead };
  const scoped = await goWithGoauth('env-scoped', { ...env, GOREGISTRY_URL: endpoint('alpha') });
  await scoped(['mod', 'download', 'alpha.example.com/lib@v1.0.0']);
  await assert.rejects(scoped(['mod', 'download', 'beta.example.com/lib@v1.0.0']), /404 Not Found/);
  const perHost = await goWithGoauth('per-host', { ...env, GOREGISTRY_URL: registry.url });
  await perHost(['mod', 'download', 'alpha.example.com/lib@v1.0.0']);
  await assert.rejects(perHost(['mod', 'download', 'beta.example.com/lib@v1.0.0']), /404 Not Found/);
});
