/**
 * The CLI's login, whoami, tokens and publish against the registry in-process (HTTP on
 * loopback): the credentials file, the exit codes a script sees, and --json output.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { CLI_MAIN } from '../support/cli-process.js';
import { createToken } from '../support/admin-api.js';
import { runCliCaptured } from '../support/cli-run.js';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry } from '../support/in-process-registry.js';
import { tempDir } from '../support/paths.js';

const fx = {} as { reg: TestRegistry; dir: string };
let cleanup: () => Promise<void>;
let env: NodeJS.ProcessEnv;
let configFile: string;
let writeToken: string;
let moduleDir: string;

before(async () => {
  fx.reg = await startTestRegistry();
  ({ dir: fx.dir, remove: cleanup } = await tempDir('cli-accounts'));
  for (const owner of ['acme', 'other']) await fx.reg.createOwner(owner, 'private');
  configFile = path.join(fx.dir, 'config', 'go-registry', 'credentials.json');
  env = { XDG_CONFIG_HOME: path.join(fx.dir, 'config'), HOME: fx.dir, GOREGISTRY_URL: fx.reg.url };
  writeToken = await createToken(fx.reg.url, ADMIN_TOKEN, 'acme', 'laptop', ['read', 'write']);
  moduleDir = path.join(fx.dir, 'hello');
  await mkdir(moduleDir, { recursive: true });
  await writeFile(path.join(moduleDir, 'go.mod'), 'module example.com/hello\n\ngo 1.21\n');
  await writeFile(path.join(moduleDir, 'hello.go'), 'package hello\n\nconst Greeting = "hi"\n');
});
after(async () => {
  await fx.reg?.stop();
  await cleanup?.();
});

test('login checks the token with the registry, stores it with mode 0600 and never prints it', async () => {
  const wrong = await runCliCaptured(['login', '--token-stdin'], { env, stdin: 'gor_not-a-real-token' });
  assert.equal(wrong.code, 3, wrong.stderr);
  assert.match(wrong.stderr, /401/);
  const other = await runCliCaptured(['login', '--token-stdin', '--owner', 'other'], { env, stdin: writeToken + '\n' });
  assert.equal(other.code, 1);
  assert.match(other.stderr, /not a token of owner other/);
  const run = await runCliCaptured(['login', '--token-stdin'], { env, stdin: writeToken + '\n' });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /token "laptop" of owner acme \(scopes: read, write\)/);
  assert.ok(!run.stdout.includes(writeToken) && !run.stderr.includes(writeToken));
  assert.equal((await stat(configFile)).mode & 0o777, 0o600);
  const stored = JSON.parse(await readFile(configFile, 'utf8'));
  assert.deepEqual(stored.credentials, { [`${fx.reg.url}/api/packages/acme/go`]: { token: writeToken } });
});

test('whoami answers from the stored credential, as JSON too', async () => {
  const run = await runCliCaptured(['whoami', '--json'], { env });
  assert.equal(run.code, 0, run.stderr);
  const [result] = JSON.parse(run.stdout);
  assert.deepEqual(result.principal, { kind: 'token', owner: 'acme', name: 'laptop', scopes: ['read', 'write'] });
  const anonymous = await fetch(`${fx.reg.url}/api/v1/whoami`);
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers.get('content-type') ?? '', /text\/plain/);
});

test('publish uploads with the stored token; exit 4 on the same version again, 2 on a broken module, 3 without credentials', async () => {
  const first = await runCliCaptured(['publish', moduleDir, '--version', 'v1.0.0', '--owner', 'acme', '--json'], { env });
  assert.equal(first.code, 0, first.stderr);
  const out = JSON.parse(first.stdout);
  assert.equal(out.module, 'example.com/hello');
  assert.deepEqual(out.files, ['go.mod', 'hello.go']);
  assert.equal(out.published.module, 'example.com/hello');
  assert.equal(out.published.zipHash, out.hash);
  const info = await fetch(`${fx.reg.url}/api/packages/acme/go/example.com/hello/@v/v1.0.0.info`, { headers: { Authorization: `Bearer ${writeToken}` } });
  assert.equal(info.status, 200);
  const again = await runCliCaptured(['publish', moduleDir, '--version', 'v1.0.0', '--owner', 'acme'], { env });
  assert.equal(again.code, 4, again.stderr);
  assert.match(again.stderr, /409/);
  const badVersion = await runCliCaptured(['publish', moduleDir, '--version', 'v1.0', '--owner', 'acme'], { env });
  assert.equal(badVersion.code, 2);
  assert.match(badVersion.stderr, /not canonical/);
  const anonymous = await runCliCaptured(['publish', moduleDir, '--version', 'v1.0.1', '--owner', 'other'], { env: { ...env, XDG_CONFIG_HOME: path.join(fx.dir, 'empty') } });
  assert.equal(anonymous.code, 3);
  assert.match(anonymous.stderr, /no token for/);
  // ~/.netrc, matched by host and port as go matches it, when nothing else gives a token.
  const netrc = path.join(fx.dir, 'netrc');
  await writeFile(netrc, `machine ${new URL(fx.reg.url).host} login ci password ${writeToken}\n`, { mode: 0o600 });
  const viaNetrc = await runCliCaptured(['publish', moduleDir, '--version', 'v1.0.2', '--owner', 'acme'], { env: { ...env, XDG_CONFIG_HOME: path.join(fx.dir, 'empty'), NETRC: netrc } });
  assert.equal(viaNetrc.code, 0, viaNetrc.stderr);
  // The stored token is for acme's endpoint only: for other, none (above); acme's token given anyway is refused.
  const forbidden = await runCliCaptured(['publish', moduleDir, '--version', 'v1.0.1', '--owner', 'other'], { env: { ...env, GOREGISTRY_TOKEN: writeToken } });
  // Another owner's private endpoint is answered as a missing one: refused (4), not an auth problem.
  assert.equal(forbidden.code, 4, forbidden.stderr);
  assert.match(forbidden.stderr, /404/);
});

test('tokens create/list/revoke go through the admin API with the admin token; --save keeps the secret out of the output', async () => {
  const adminEnv = { ...env, GOREGISTRY_TOKEN: ADMIN_TOKEN };
  const notAdmin = await runCliCaptured(['tokens', 'list', '--owner', 'acme'], { env: { ...env, GOREGISTRY_TOKEN: writeToken } });
  assert.equal(notAdmin.code, 3, notAdmin.stderr);
  const created = await runCliCaptured(['tokens', 'create', 'ci', '--owner', 'other', '--scopes', 'read,write', '--save', '--json'], { env: adminEnv });
  assert.equal(created.code, 0, created.stderr);
  assert.equal(JSON.parse(created.stdout).token, undefined);
  const stored = JSON.parse(await readFile(configFile, 'utf8')).credentials[`${fx.reg.url}/api/packages/other/go`].token as string;
  assert.match(stored, /^gor_/);
  assert.ok(!created.stdout.includes(stored) && !created.stderr.includes(stored));
  const published = await runCliCaptured(['publish', moduleDir, '--version', 'v1.0.0', '--owner', 'other'], { env });
  assert.equal(published.code, 0, published.stderr);
  const list = await runCliCaptured(['tokens', 'list', '--owner', 'other', '--json'], { env: adminEnv });
  assert.deepEqual(JSON.parse(list.stdout).map((t: { name: string }) => t.name), ['ci']);
  const revoked = await runCliCaptured(['tokens', 'revoke', 'ci', '--owner', 'other'], { env: adminEnv });
  assert.equal(revoked.code, 0, revoked.stderr);
  const refused = await runCliCaptured(['whoami', '--owner', 'other'], { env });
  assert.equal(refused.code, 3, refused.stderr);
});

test('login at a terminal prompts without echoing the token (a pseudo-terminal from script(1))', async () => {
  const reader = await createToken(fx.reg.url, ADMIN_TOKEN, 'other', 'typed', ['read']);
  const child = spawn('script', ['-qec', `${CLI_MAIN} login --registry ${fx.reg.url}`, '/dev/null'], { env: { ...process.env, ...env } });
  let screen = '';
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  child.stdout.on('data', (chunk: Buffer) => {
    const before = screen;
    screen += chunk.toString();
    // Typed only once the prompt is up (raw mode on), as a person would.
    if (!before.includes('token for') && screen.includes('token for')) child.stdin.write(`${reader}\r`);
  });
  assert.equal(await exited, 0, screen);
  assert.match(screen, /logged in: token "typed" of owner other/);
  assert.ok(!screen.includes(reader), 'the token was echoed');
  const stored = JSON.parse(await readFile(configFile, 'utf8')).credentials[`${fx.reg.url}/api/packages/other/go`].token;
  assert.equal(stored, reader);
});
