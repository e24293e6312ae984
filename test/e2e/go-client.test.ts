/**
 * End to end, as a user meets it: the registry process started by the package's
 * start command on its embedded default (PGlite in DATA_DIR), uploads with curl
 * exactly as the seeds show, and the real go command as the GOPROXY client.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { curl, curlUpload } from '../support/curl.js';
import { createOwner } from '../support/admin-api.js';
import { goClient } from '../support/go-client.js';
import { makeModuleZip } from '../support/module-zips.js';
import { tempDir } from '../support/paths.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';
import { writeZip } from '../support/zip-writer.js';

const TOKEN = 'e2e-admin-token-abcdefghijklmnop';
const USER = `your_username:${TOKEN}`;
const OWNER = 'testuser';

let root: string;
let cleanup: () => Promise<void>;
let dataDir: string;
let registry: RegistryProcess;
const goproxy = () => `${registry.url}/api/packages/${OWNER}/go`;
const start = () => startRegistryProcess({ DATA_DIR: dataDir, REGISTRY_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'info' });

const helloMain = (greeting: string) => `package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("${greeting}") }\n`;

async function publish(modulePath: string, version: string, files: Record<string, string>) {
  const zip = await makeModuleZip(root, modulePath, version, files);
  const res = await curlUpload(registry.url, OWNER, zip, USER);
  assert.equal(res.status, 201, res.body);
  return { zip, response: JSON.parse(res.body) as { zipHash: string; goModHash: string } };
}

before(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('e2e'));
  dataDir = path.join(root, 'data');
  registry = await start();
  await createOwner(registry.url, TOKEN, OWNER, 'public');
});
after(async () => {
  await registry?.stop();
  await cleanup();
});

describe('seeds flow: curl upload, GOPROXY go install/get', () => {
  let hashes: { zipHash: string; goModHash: string };

  test('curl --user … --upload-file publishes (201)', async () => {
    await publish('example.com/hello', 'v1.0.0', { 'go.mod': 'module example.com/hello\n\ngo 1.21\n', 'main.go': helloMain('hello v1.0.0') });
    await publish('example.com/hello', 'v1.1.0', { 'go.mod': 'module example.com/hello\n\ngo 1.21\n', 'main.go': helloMain('hello v1.1.0') });
    hashes = (
      await publish('example.com/lib', 'v1.2.0', {
        'go.mod': 'module example.com/lib\n\ngo 1.21\n',
        'lib.go': 'package lib\n\nfunc Version() string { return "lib v1.2.0" }\n',
      })
    ).response;
    // A pre-release uploaded after the release must not become @latest.
    await publish('example.com/lib', 'v1.3.0-rc.1', {
      'go.mod': 'module example.com/lib\n\ngo 1.21\n',
      'lib.go': 'package lib\n\nfunc Version() string { return "lib v1.3.0-rc.1" }\n',
    });
  });

  test('GOPROXY=… go install {package}@latest and @{version}', async () => {
    const go = await goClient(path.join(root, 'install'), goproxy());
    await go.go(['install', 'example.com/hello@latest'], { cwd: root });
    const bin = path.join(go.env.GOPATH!, 'bin', 'hello');
    assert.equal((await promisify(execFile)(bin)).stdout.trim(), 'hello v1.1.0');
    await go.go(['install', 'example.com/hello@v1.0.0'], { cwd: root });
    assert.equal((await promisify(execFile)(bin)).stdout.trim(), 'hello v1.0.0');
  });

  test('go run {package}@{version}', async () => {
    const go = await goClient(path.join(root, 'run'), goproxy());
    const { stdout } = await go.go(['run', 'example.com/hello@v1.1.0'], { cwd: root });
    assert.equal(stdout.trim(), 'hello v1.1.0');
  });

  test('go get, go list -m @latest and -versions, go mod download sums', async () => {
    const go = await goClient(path.join(root, 'get'), goproxy());
    await go.go(['get', 'example.com/lib@latest']);
    assert.match(await readFile(path.join(go.consumer, 'go.mod'), 'utf8'), /example\.com\/lib v1\.2\.0/);
    assert.equal((await go.go(['list', '-m', 'example.com/lib@latest'])).stdout.trim(), 'example.com/lib v1.2.0');
    assert.equal((await go.go(['list', '-m', '-versions', 'example.com/lib'])).stdout.trim(), 'example.com/lib v1.2.0 v1.3.0-rc.1');
    const downloaded = JSON.parse((await go.go(['mod', 'download', '-json', 'example.com/lib@v1.2.0'])).stdout) as {
      Sum: string;
      GoModSum: string;
    };
    assert.equal(downloaded.Sum, hashes.zipHash, 'go computes the same h1: zip hash the registry stored');
    assert.equal(downloaded.GoModSum, hashes.goModHash);
    // Installing by package name inside a module, as the seeds' first line does.
    await go.go(['get', 'example.com/hello@v1.0.0']);
    await go.go(['install', 'example.com/hello']);
  });

  test('uppercase module paths, a pre-release-only module and a module without go.mod', async () => {
    const upper = await publish('example.com/Upper/Mixed', 'v0.1.0', {
      'go.mod': 'module example.com/Upper/Mixed\n\ngo 1.21\n',
      'mixed.go': 'package mixed\n\nfunc Name() string { return "Mixed" }\n',
    });
    await publish('example.com/pre', 'v0.1.0-alpha', { 'pre.go': 'package pre\n' });
    await publish('example.com/pre', 'v0.1.0-beta.2', { 'pre.go': 'package pre\n' });
    const go = await goClient(path.join(root, 'upper'), goproxy());
    await writeFile(
      path.join(go.consumer, 'main.go'),
      'package main\n\nimport (\n\t"fmt"\n\t"example.com/Upper/Mixed"\n\t"example.com/lib"\n)\n\nfunc main() { fmt.Println(mixed.Name(), lib.Version()) }\n',
    );
    await go.go(['get', 'example.com/Upper/Mixed@latest', 'example.com/lib']);
    const { stdout } = await go.go(['run', '.']);
    assert.equal(stdout.trim(), 'Mixed lib v1.2.0');
    const ziphash = path.join(go.env.GOMODCACHE!, 'cache/download/example.com/!upper/!mixed/@v/v0.1.0.ziphash');
    assert.equal((await readFile(ziphash, 'utf8')).trim(), upper.response.zipHash);
    assert.equal((await go.go(['list', '-m', 'example.com/pre@latest'])).stdout.trim(), 'example.com/pre v0.1.0-beta.2');
    await go.go(['mod', 'download', 'example.com/pre@v0.1.0-alpha']);
  });
});

describe('bad input through curl: a clear 4xx, nothing stored', () => {
  test('non-zip, truncated zip, non-canonical version, go.mod mismatch, no credentials, duplicate', async () => {
    const notZip = path.join(root, 'not.zip');
    await writeFile(notZip, 'hello, I am not a zip');
    const r1 = await curlUpload(registry.url, OWNER, notZip, USER);
    assert.equal(r1.status, 400);
    assert.match(r1.contentType, /text\/plain/);
    assert.match(r1.body, /not a valid zip file/);

    const good = await readFile(await makeModuleZip(root, 'example.com/trunc', 'v1.0.0'));
    const truncated = path.join(root, 'truncated.zip');
    await writeFile(truncated, good.subarray(0, good.length - 40));
    assert.equal((await curlUpload(registry.url, OWNER, truncated, USER)).status, 400);

    const shorthand = await writeZip(path.join(root, 'short.zip'), [{ name: 'example.com/s@v1.0/s.go', data: 'package s\n' }]);
    const r3 = await curlUpload(registry.url, OWNER, shorthand, USER);
    assert.equal(r3.status, 400);
    assert.match(r3.body, /version "v1\.0" is not canonical \(should be "v1\.0\.0"\)/);

    const mismatch = await makeModuleZip(root, 'example.com/mine', 'v1.0.0', { 'go.mod': 'module example.com/theirs\n' });
    const r4 = await curlUpload(registry.url, OWNER, mismatch, USER);
    assert.equal(r4.status, 400);
    assert.match(r4.body, /module directive says "example\.com\/theirs"/);

    const anonymous = await curl(['--upload-file', mismatch, `${registry.url}/api/packages/${OWNER}/go/upload`]);
    assert.equal(anonymous.status, 401);

    const hello = await makeModuleZip(root, 'example.com/hello', 'v1.0.0', { 'main.go': helloMain('again') });
    const r6 = await curlUpload(registry.url, OWNER, hello, USER);
    assert.equal(r6.status, 409);
    assert.match(r6.body, /already exists/);
    const go = await goClient(path.join(root, 'bad'), goproxy());
    await assert.rejects(go.go(['list', '-m', 'example.com/trunc@latest']), /example\.com\/trunc/);
  });

  test('concurrent curl uploads of one version: exactly one 201', async () => {
    const zips = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => makeModuleZip(root, 'example.com/race', 'v1.0.0', { [`f${i}.go`]: 'package race\n' })),
    );
    const statuses = (await Promise.all(zips.map((z) => curlUpload(registry.url, OWNER, z, USER)))).map((r) => r.status);
    assert.deepEqual(statuses.sort(), [201, 409, 409, 409, 409]);
  });
});

describe('delete, re-upload, restart', () => {
  test('curl -X DELETE; the same version may come back with its bytes, never with others (the checksum log); go downloads it', async () => {
    const first = await publish('example.com/redo', 'v1.0.0', { 'redo.go': 'package redo\n\nconst Rev = 1\n' });
    const del = await curl(['--user', USER, '-X', 'DELETE', `${registry.url}/api/packages/${OWNER}/go/example.com/redo/@v/v1.0.0`]);
    assert.equal(del.status, 204);
    const go1 = await goClient(path.join(root, 'redo1'), goproxy());
    await assert.rejects(go1.go(['mod', 'download', 'example.com/redo@v1.0.0']));
    const other = await curlUpload(registry.url, OWNER, await makeModuleZip(root, 'example.com/redo', 'v1.0.0', { 'redo.go': 'package redo\n\nconst Rev = 2\n' }), USER);
    assert.equal(other.status, 409);
    assert.ok(other.body.includes(first.response.zipHash), `the 409 names the logged hash: ${other.body}`);
    const again = await curlUpload(registry.url, OWNER, first.zip, USER);
    assert.equal(again.status, 201, again.body);
    const go2 = await goClient(path.join(root, 'redo2'), goproxy());
    const got = JSON.parse((await go2.go(['mod', 'download', '-json', 'example.com/redo@v1.0.0'])).stdout) as { Sum: string };
    assert.equal(got.Sum, first.response.zipHash);
  });

  test('a restart on the same DATA_DIR loses nothing', async () => {
    await registry.stop();
    registry = await start();
    const go = await goClient(path.join(root, 'restart'), goproxy());
    assert.equal((await go.go(['list', '-m', '-versions', 'example.com/hello'])).stdout.trim(), 'example.com/hello v1.0.0 v1.1.0');
    const { stdout } = await go.go(['run', 'example.com/hello@latest'], { cwd: root });
    assert.equal(stdout.trim(), 'hello v1.1.0');
    assert.ok(!registry.logs.join('\n').includes(TOKEN), 'the admin token never appears in logs');
  });
});
