import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { saveCredential } from '../../../cli/credential-store.js';
import { runCliCaptured } from '../../support/cli-run.js';

let dir: string;
let config: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'goauth-unit-'));
  config = path.join(dir, 'go-registry', 'credentials.json');
});
after(() => rm(dir, { recursive: true, force: true }));

/** Parses a GOAUTH response as cmd/go/internal/auth parseUserAuth does: prefix → headers. */
function parseGoauth(out: string): Map<string, string[]> {
  const sets = new Map<string, string[]>();
  let rest = out;
  while (rest !== '') {
    const urls: string[] = [];
    for (;;) {
      const nl = rest.indexOf('\n');
      assert.ok(nl >= 0, 'missing empty line after URLs');
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      if (line === '') break;
      assert.match(line, /^https:\/\//);
      urls.push(line.slice('https://'.length));
    }
    const headers: string[] = [];
    for (;;) {
      const nl = rest.indexOf('\n');
      assert.ok(nl >= 0, 'missing empty line after headers');
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      if (line === '') break;
      headers.push(line);
    }
    for (const u of urls) sets.set(u, headers);
  }
  return sets;
}

test('goauth prints one credential set per configured prefix, a token file read on every call', async () => {
  const tokenFile = path.join(dir, 'sa-token');
  await writeFile(tokenFile, 'eyJhbGciOi.first.sig\n');
  await saveCredential(config, 'https://go.example.com:8443/api/packages/acme/go', { token: 'gor_acme' });
  await saveCredential(config, 'https://go.example.com:8443/api/packages/team/go/', { tokenFile });
  // Stored by login for the tokens command: never handed to go, nor a loopback http one.
  await saveCredential(config, 'https://go.example.com:8443/api/admin', { token: 'gor_admin' });
  await saveCredential(config, 'http://localhost:8080/api/packages/acme/go', { token: 'gor_local' });
  assert.equal((await stat(config)).mode & 0o777, 0o600);
  const env = { XDG_CONFIG_HOME: dir };
  const first = await runCliCaptured(['goauth'], { env });
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(
    parseGoauth(first.stdout),
    new Map([
      ['go.example.com:8443/api/packages/acme/go', ['Authorization: Bearer gor_acme']],
      ['go.example.com:8443/api/packages/team/go', ['Authorization: Bearer eyJhbGciOi.first.sig']],
    ]),
  );
  // The kubelet rotates a projected token: the next call reads the new one.
  await writeFile(tokenFile, 'eyJhbGciOi.second.sig');
  const second = await runCliCaptured(['goauth', 'https://go.example.com:8443/api/packages/team/go/example.com/m/@v/list'], { env });
  assert.deepEqual(parseGoauth(second.stdout), new Map([['go.example.com:8443/api/packages/team/go', ['Authorization: Bearer eyJhbGciOi.second.sig']]]));
  // A URL under no prefix (another owner whose name extends one, another host) gets nothing.
  for (const url of ['https://go.example.com:8443/api/packages/acme2/go/x/@v/list', 'https://github.com/acme/x?go-get=1']) {
    const none = await runCliCaptured(['goauth', url], { env });
    assert.deepEqual([none.code, none.stdout], [0, ''], url);
  }
});

test('the environment token goes only to GOREGISTRY_URL, and wins over the file for the same prefix', async () => {
  const env = { XDG_CONFIG_HOME: dir, GOREGISTRY_TOKEN: 'gor_env', GOREGISTRY_URL: 'https://go.example.com:8443/api/packages/acme/go' };
  const run = await runCliCaptured(['goauth', 'https://github.com/acme/x?go-get=1'], { env });
  assert.deepEqual([run.code, run.stdout], [0, '']);
  const all = parseGoauth((await runCliCaptured(['goauth'], { env })).stdout);
  assert.deepEqual(all.get('go.example.com:8443/api/packages/acme/go'), ['Authorization: Bearer gor_env']);
  const missing = await runCliCaptured(['goauth'], { env: { GOREGISTRY_CONFIG: path.join(dir, 'none.json'), GOREGISTRY_TOKEN: 'x' } });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /GOREGISTRY_URL/);
});

test('--token-file and --prefix as GOAUTH words; go appends the URL after them', async () => {
  const tokenFile = path.join(dir, 'flag-token');
  await writeFile(tokenFile, 'tok-flag');
  const env = { GOREGISTRY_CONFIG: path.join(dir, 'none.json') };
  const run = await runCliCaptured(['goauth', '--token-file', tokenFile, '--prefix', 'https://r.example', 'https://r.example/api/packages/a/go/m/@v/list'], { env });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(parseGoauth(run.stdout), new Map([['r.example', ['Authorization: Bearer tok-flag']]]));
});

test('a missing token file is skipped with a warning; a broken credentials file is exit 2; an http prefix is refused', async () => {
  const broken = path.join(dir, 'broken.json');
  await writeFile(broken, '{"credentials": {"https://a.example": {"tokn": "x"}}}');
  const bad = await runCliCaptured(['goauth', '--config', broken]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /broken\.json/);
  const gone = await runCliCaptured(['goauth', '--token-file', path.join(dir, 'nope'), '--prefix', 'https://a.example'], { env: { GOREGISTRY_CONFIG: broken + '.none' } });
  assert.deepEqual([gone.code, gone.stdout], [0, '']);
  assert.match(gone.stderr, /nope: cannot read the token file: ENOENT/);
  const http = await runCliCaptured(['goauth', '--token-file', path.join(dir, 'nope'), '--prefix', 'http://a.example'], { env: { GOREGISTRY_CONFIG: broken + '.none' } });
  assert.equal(http.code, 1);
  assert.match(http.stderr, /only sent over https/);
});
