import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parseNetrc } from '../../../cli/netrc.js';
import { registryBase } from '../../../cli/registry-client.js';
import { tagPrefixes, versionOfTag } from '../../../cli/module-source.js';
import { prefixCovers } from '../../../cli/url-prefix.js';
import { runCliCaptured } from '../../support/cli-run.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cli-args-'));
  await mkdir(path.join(dir, 'm'));
  await writeFile(path.join(dir, 'm', 'go.mod'), 'module example.com/m\n\ngo 1.22\n');
  await writeFile(path.join(dir, 'm', 'm.go'), 'package m\n');
});
after(() => rm(dir, { recursive: true, force: true }));

test('--help for every command, exit 0, on stdout', async () => {
  for (const args of [['--help'], ['publish', '--help'], ['goauth', '--help'], ['login', '--help'], ['whoami', '--help'], ['tokens', '--help'], ['tokens', 'create', '--help']]) {
    const run = await runCliCaptured(args);
    assert.equal(run.code, 0, args.join(' '));
    assert.match(run.stdout, /^Usage: go-registry/, args.join(' '));
  }
  assert.match((await runCliCaptured(['--help'])).stdout, /Exit codes: 0 ok · 1 usage · 2 validation failed · 3/);
});

test('usage errors are exit 1 and say what is wrong', async () => {
  const cases: [string[], RegExp][] = [
    [['bogus'], /unknown command 'bogus'/],
    [['publish', '--bogus'], /unknown option '--bogus'/],
    [['publish', path.join(dir, 'm'), '--dry-run'], /--version vX\.Y\.Z is required/],
    [['publish', path.join(dir, 'm'), '--version', 'v1.0.0'], /which registry\?/],
    [['publish', path.join(dir, 'm'), '--version', 'v1.0.0', '--registry', 'https://r.example'], /which owner\?/],
    [['publish', path.join(dir, 'nothing-here'), '--version', 'v1.0.0', '--dry-run'], /nothing-here: no such folder/],
    [['tokens', 'create'], /missing required argument 'name'/],
  ];
  for (const [args, message] of cases) {
    const run = await runCliCaptured(args, { env: { HOME: dir } });
    assert.deepEqual([args.join(' '), run.code], [args.join(' '), 1], run.stderr);
    assert.match(run.stderr, message, args.join(' '));
  }
});

test('validation failures are exit 2 and name the file and the rule; --json prints one JSON document', async () => {
  await writeFile(path.join(dir, 'm', 'a:b.go'), 'package m\n');
  const bad = await runCliCaptured(['publish', path.join(dir, 'm'), '--version', 'v1.0.0', '--dry-run']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /a:b\.go: .*invalid char ':'/);
  await rm(path.join(dir, 'm', 'a:b.go'));
  const wrongMajor = await runCliCaptured(['publish', path.join(dir, 'm'), '--version', 'v2.0.0', '--dry-run']);
  assert.equal(wrongMajor.code, 2);
  assert.match(wrongMajor.stderr, /v2/);
  const otherModule = await runCliCaptured(['publish', path.join(dir, 'm'), '--version', 'v1.0.0', '--module', 'example.com/other', '--dry-run']);
  assert.equal(otherModule.code, 2);
  assert.match(otherModule.stderr, /go\.mod: module directive says "example\.com\/m", but the zip is for module "example\.com\/other"/);
  const ok = await runCliCaptured(['publish', path.join(dir, 'm'), '--version', 'v1.0.0', '--dry-run', '--json']);
  assert.equal(ok.code, 0, ok.stderr);
  const out = JSON.parse(ok.stdout);
  assert.deepEqual([out.module, out.version, out.files, out.published], ['example.com/m', 'v1.0.0', ['go.mod', 'm.go'], null]);
  assert.match(out.hash, /^h1:[A-Za-z0-9+/]{43}=$/);
});

test('registry URLs, tags and prefixes', () => {
  assert.deepEqual(registryBase('https://r.example/api/packages/acme/go/', {}), { base: 'https://r.example', owner: 'acme' });
  assert.deepEqual(registryBase(undefined, { GOREGISTRY_URL: 'https://r.example/sub/' }), { base: 'https://r.example/sub', owner: undefined });
  assert.equal(versionOfTag('v1.2.3', tagPrefixes('', 'example.com/m'), ''), 'v1.2.3');
  assert.equal(versionOfTag('tools/x/v0.1.0', tagPrefixes('tools/x', 'example.com/m/tools/x'), 'tools/x'), 'v0.1.0');
  // A major-version subdirectory: go tags it without the /vN element.
  assert.equal(versionOfTag('v2.0.1', tagPrefixes('v2', 'example.com/m/v2'), 'v2'), 'v2.0.1');
  assert.throws(() => versionOfTag('v1.0.0', tagPrefixes('tools/x', 'example.com/m/tools/x'), 'tools/x'), /want tools\/x\/vX\.Y\.Z/);
  assert.equal(prefixCovers('https://h/api/packages/a/go', 'https://h/api/packages/a/go/x/@v/list'), true);
  assert.equal(prefixCovers('https://h/api/packages/a/go', 'https://h/api/packages/ab/go/x/@v/list'), false);
  assert.equal(prefixCovers('https://h:8443', 'https://h/api'), false);
  assert.equal(prefixCovers('http://localhost:8080', 'https://localhost:8080/x'), false);
});

test('.netrc as go reads it', () => {
  const lines = parseNetrc('machine a.example login u password p1\nmachine b.example:8443\n  login u\n  password p2\nmacdef init\n  machine c.example login x password y\n\nmachine d.example login u password p4\ndefault login d password dd\nmachine e.example login u password p5\n');
  assert.deepEqual(lines.map((l) => `${l.machine}=${l.password}`), ['a.example=p1', 'b.example:8443=p2', 'd.example=p4']);
});
