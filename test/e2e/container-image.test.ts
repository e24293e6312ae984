/**
 * The container image without a Docker engine: the Dockerfile's stages are built in folders
 * (test/support/dockerfile.ts runs their COPY and RUN lines), then the image's two commands
 * run from the final stage's files alone. This catches a runtime import of a dev dependency,
 * a file the build forgets (migrations), and test or benchmark code shipped in the image.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { buildStages, type BuiltImage } from '../support/dockerfile.js';
import { startJsonLogProcess } from '../support/json-log-process.js';
import { REPO_ROOT, tempDir } from '../support/paths.js';

const run = promisify(execFile);
let work: { dir: string; remove: () => Promise<void> };
let image: BuiltImage;
const inImage = (p: string) => path.join(image.root, p);

before(async () => {
  work = await tempDir('image');
  image = await buildStages(REPO_ROOT, path.join(REPO_ROOT, 'Dockerfile'), path.join(work.dir, 'stages'));
}, { timeout: 10 * 60 * 1000 });
after(async () => work?.remove());

describe('container image', () => {
  test('holds the two programs, their migrations and production dependencies, and nothing for tests or benchmarks', async () => {
    for (const file of ['app/dist/registry/main.js', 'app/dist/operator/main.js', 'app/package.json']) assert.ok(existsSync(inImage(file)), `${file} missing`);
    assert.ok((await readdir(inImage('app/dist/registry/migrations'))).some((f) => f.endsWith('.sql')), 'no migrations');
    for (const absent of ['app/dist/test', 'app/dist/bench', 'app/registry', 'app/node_modules/typescript', 'app/node_modules/yaml', 'app/node_modules/@types/busboy', 'app/node_modules/@types/semver']) {
      assert.ok(!existsSync(inImage(absent)), `${absent} is in the image`);
    }
    assert.deepEqual(image.cmd, ['node', '/app/dist/registry/main.js']);
    assert.equal(image.workdir, '/app');
  });

  test('runs as the non-root user it creates', () => {
    const [uid, gid] = (image.user ?? '').split(':');
    assert.ok(Number(uid) >= 1000, `USER ${image.user}`);
    const setup = image.skipped.join(' ');
    assert.match(setup, new RegExp(`useradd .*--uid ${uid} `));
    assert.match(setup, new RegExp(`groupadd .*--gid ${gid} `));
  });

  test('the registry command serves from the image\'s files alone', async () => {
    const registry = await startJsonLogProcess(['node', inImage('app/dist/registry/main.js')], { ...image.env, DATA_DIR: path.join(work.dir, 'data'), HOST: '127.0.0.1', PORT: '0' }, 'listening');
    try {
      for (const probe of ['/healthz', '/readyz']) {
        const res = await fetch(`${registry.ready.url as string}${probe}`);
        assert.equal(res.status, 200, probe);
      }
      const list = await fetch(`${registry.ready.url as string}/api/packages/nobody/go/example.com/x/@v/list`);
      assert.equal(list.status, 404);
    } finally {
      await registry.stop();
    }
  });

  test('the operator command loads every module it needs and refuses a missing configuration clearly', async () => {
    const result = await run(process.execPath, [inImage('app/dist/operator/main.js')], { env: { PATH: process.env.PATH ?? '', ...image.env } }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /invalid configuration:\n\s+REGISTRY_URL/);
    assert.doesNotMatch(result.stderr, /ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
  });

  test('the CLI runs from the image\'s files alone: goauth prints a token file\'s token for its prefix', async () => {
    const tokenFile = path.join(work.dir, 'sa-token');
    await writeFile(tokenFile, 'eyJhbGciOiJSUzI1NiJ9.payload.signature\n');
    const cli = inImage('app/dist/cli/main.js');
    const env = { PATH: process.env.PATH ?? '', ...image.env, HOME: work.dir, GOREGISTRY_TOKEN_FILE: tokenFile, GOREGISTRY_URL: 'https://go.example.com/api/packages/acme/go' };
    const { stdout } = await run(process.execPath, [cli, 'goauth'], { env });
    assert.equal(stdout, 'https://go.example.com/api/packages/acme/go\n\nAuthorization: Bearer eyJhbGciOiJSUzI1NiJ9.payload.signature\n\n');
  });
});
