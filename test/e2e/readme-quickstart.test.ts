/**
 * The README's quick start, command for command: a zip made with the `zip` tool,
 * the seeds' curl line, GOPROXY=… go install. Also the mistake the README warns
 * about (`zip -r` without -D) gets an answer that says how to fix it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { createOwner, createToken } from '../support/admin-api.js';
import { cliBinDir } from '../support/cli-process.js';
import { goClient } from '../support/go-client.js';
import { tempDir } from '../support/paths.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';

const sh = promisify(execFile);
let root: string;
let cleanup: () => Promise<void>;
let registry: RegistryProcess;

before(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('quickstart'));
  // No REGISTRY_ADMIN_TOKEN: the registry generates one into DATA_DIR, as on a first `npm start`.
  registry = await startRegistryProcess({ DATA_DIR: path.join(root, 'data') });
});
after(async () => {
  await registry?.stop();
  await cleanup();
});

test('quick start: zip -r -D, curl --upload-file, go install', async () => {
  const token = (await readFile(path.join(root, 'data', 'admin-token'), 'utf8')).trim();
  await createOwner(registry.url, token, 'testuser', 'public');
  assert.match(token, /^gor_[A-Za-z0-9_-]{43}$/);
  assert.ok(registry.logs.some((l) => l.includes('admin-token')), 'the log says where the token is');
  assert.ok(!registry.logs.some((l) => l.includes(token)), 'the log never holds the token');
  const script = `
    set -e
    mkdir -p src/example.com/hello@v1.0.0 && cd src/example.com/hello@v1.0.0
    printf 'module example.com/hello\\n\\ngo 1.21\\n' > go.mod
    printf 'package main\\n\\nimport "fmt"\\n\\nfunc main() { fmt.Println("hello") }\\n' > main.go
    cd ../.. && zip -q -r -D ../hello.zip example.com && zip -q -r ../with-dirs.zip example.com && cd ..
    curl --silent --show-error --write-out '--status %{http_code}\\n' --user your_username:"$TOKEN" \\
         --upload-file with-dirs.zip "$URL/api/packages/testuser/go/upload"
    curl --silent --show-error --write-out '--status %{http_code}\\n' --user your_username:"$TOKEN" \\
         --upload-file hello.zip "$URL/api/packages/testuser/go/upload"
  `;
  const { stdout } = await sh('sh', ['-c', script], { cwd: root, env: { ...process.env, TOKEN: token, URL: registry.url } });
  const answers = [...stdout.matchAll(/([\s\S]*?)--status (\d{3})\n/g)].map((m) => ({ body: m[1]!, status: Number(m[2]) }));
  assert.equal(answers.length, 2, stdout);
  assert.equal(answers[0]!.status, 400);
  assert.match(answers[0]!.body, /create the zip with `zip -r -D`/);
  assert.equal(answers[1]!.status, 201, answers[1]!.body);
  assert.match(answers[1]!.body, /"version":"v1\.0\.0"/);
  const go = await goClient(path.join(root, 'go'), `${registry.url}/api/packages/testuser/go`);
  await go.go(['install', 'example.com/hello@latest'], { cwd: root });
  assert.equal((await sh(path.join(go.env.GOPATH!, 'bin', 'hello'))).stdout.trim(), 'hello');
});

test('quick start with the CLI: go-registry publish, go install', async () => {
  const admin = (await readFile(path.join(root, 'data', 'admin-token'), 'utf8')).trim();
  await createOwner(registry.url, admin, 'cliuser', 'public');
  const token = await createToken(registry.url, admin, 'cliuser', 'laptop', ['read', 'write']);
  // The README's lines, with `npx go-registry` as the bin it runs and the test registry's URL.
  const script = `
    set -e
    mkdir hello && cd hello
    printf 'module example.com/hello\\n\\ngo 1.21\\n' > go.mod
    printf 'package main\\n\\nimport "fmt"\\n\\nfunc main() { fmt.Println("hello") }\\n' > main.go
    GOREGISTRY_TOKEN=$TOKEN go-registry publish --version v1.0.0 --registry "$URL" --owner cliuser
    cd ..
  `;
  const bin = await cliBinDir(path.join(root, 'cli'));
  const { stdout } = await sh('sh', ['-c', script], { cwd: await mkdtemp(path.join(root, 'cli-')), env: { ...process.env, TOKEN: token, URL: registry.url, PATH: `${bin}:${process.env.PATH}` } });
  assert.match(stdout, /^example\.com\/hello v1\.0\.0 h1:/m);
  assert.match(stdout, /published example\.com\/hello@v1\.0\.0/);
  const go = await goClient(path.join(root, 'go-cli'), `${registry.url}/api/packages/cliuser/go`);
  await go.go(['install', 'example.com/hello@v1.0.0'], { cwd: root });
  assert.equal((await sh(path.join(go.env.GOPATH!, 'bin', 'hello'))).stdout.trim(), 'hello');
});
