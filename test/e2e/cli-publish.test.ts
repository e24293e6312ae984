/**
 * `go-registry publish` end to end: modules of a git repository made here, published from
 * their tags with --from-git (the tag's committed files, not the working tree; a module in
 * a subdirectory by its `sub/dir/vX.Y.Z` tag, with the root LICENSE as go adds it), the
 * zips the same as x/mod's CreateFromVCS makes; then the real `go` installs and downloads
 * what was uploaded, with the h1: the CLI printed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createOwner, createToken } from '../support/admin-api.js';
import { runCliProcess } from '../support/cli-process.js';
import { goClient } from '../support/go-client.js';
import { tempDir } from '../support/paths.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';
import { startXModZip, type XModZip } from '../support/x-mod-zip.js';

const ADMIN = 'e2e-admin-token-cli-publish-0123456789';
let root: string;
let cleanup: () => Promise<void>;
let registry: RegistryProcess;
let witness: XModZip;
let repo: string;
let env: NodeJS.ProcessEnv;

const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } }).toString();

async function write(files: Record<string, string>) {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(repo, name)), { recursive: true });
    await writeFile(path.join(repo, name), content);
  }
}

before(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('cli-publish'));
  [registry, witness] = await Promise.all([startRegistryProcess({ DATA_DIR: path.join(root, 'data'), REGISTRY_ADMIN_TOKEN: ADMIN }), startXModZip(root)]);
  await createOwner(registry.url, ADMIN, 'acme', 'public');
  const token = await createToken(registry.url, ADMIN, 'acme', 'ci', ['write']);
  env = { PATH: process.env.PATH, HOME: root, GOREGISTRY_TOKEN: token, GOREGISTRY_URL: `${registry.url}/api/packages/acme/go` };
  repo = path.join(root, 'repo');
  await mkdir(repo);
  git('init', '-q', '-b', 'main');
  await write({
    'go.mod': 'module example.com/gitmod\n\ngo 1.21\n',
    'LICENSE': 'root license\n',
    'greet.go': 'package gitmod\n\nconst Greeting = "tagged"\n',
    'sub/tool/go.mod': 'module example.com/gitmod/sub/tool\n\ngo 1.21\n',
    'sub/tool/main.go': 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("tool from the tag") }\n',
    // Left out as go leaves them out of a VCS zip: export-ignore, a vendored package, a symlink.
    '.gitattributes': 'notes.txt export-ignore\n',
    'notes.txt': 'not exported\n',
    'vendor/example.com/dep/dep.go': 'package dep\n',
  });
  await symlink('greet.go', path.join(repo, 'link.go'));
  git('add', '-A');
  git('commit', '-qm', 'first');
  git('tag', 'v1.0.0');
  git('tag', '-a', '-m', 'annotated', 'sub/tool/v0.2.0');
  // After the tags: changed, added (staged) and untracked files that must not be published.
  await write({ 'greet.go': 'package gitmod\n\nconst Greeting = "working tree"\n', 'staged.go': 'package gitmod\n', 'sub/tool/main.go': 'package main\n\nfunc main() { println("working tree") }\n', 'sub/tool/untracked.go': 'package main\n' });
  git('add', 'staged.go');
});
after(async () => {
  await witness?.close();
  await registry?.stop();
  await cleanup();
});

test('--from-git zips the tag as CreateFromVCS does, and go downloads it with that h1:', async () => {
  const dry = await runCliProcess(['publish', '--from-git', 'v1.0.0', '--dry-run', '--json'], { env, cwd: repo });
  assert.equal(dry.code, 0, dry.stderr);
  const out = JSON.parse(dry.stdout) as { version: string; hash: string; files: string[] };
  assert.equal(out.version, 'v1.0.0');
  // The nested module sub/tool, export-ignore, vendor/ and the symlink are left out; nothing of the working tree is in.
  assert.deepEqual(out.files.sort(), ['.gitattributes', 'LICENSE', 'go.mod', 'greet.go']);
  const theirs = await witness.createFromGit(repo, 'example.com/gitmod', 'v1.0.0', 'v1.0.0', '');
  assert.equal(out.hash, theirs.hash, theirs.error);

  const published = await runCliProcess(['publish', '--from-git', 'v1.0.0'], { env, cwd: repo });
  assert.equal(published.code, 0, published.stderr);
  assert.match(published.stdout, new RegExp(`example.com/gitmod v1.0.0 ${out.hash.replace(/[+/=]/g, '\\$&')}`));
  const go = await goClient(path.join(root, 'go1'), `${registry.url}/api/packages/acme/go`);
  const { stdout } = await go.go(['mod', 'download', '-json', 'example.com/gitmod@v1.0.0']);
  const download = JSON.parse(stdout) as { Sum: string; Dir: string };
  assert.equal(download.Sum, out.hash);
  assert.match(execFileSync('cat', [path.join(download.Dir, 'greet.go')]).toString(), /"tagged"/);
});

test('a module in a subdirectory publishes from its sub/dir/vX.Y.Z tag, and go install runs it', async () => {
  const dir = path.join(repo, 'sub', 'tool');
  const wrongTag = await runCliProcess(['publish', '--from-git', 'v1.0.0', '--dry-run'], { env, cwd: dir });
  assert.equal(wrongTag.code, 1);
  assert.match(wrongTag.stderr, /not a version tag of the module in "sub\/tool" \(want sub\/tool\/vX\.Y\.Z\)/);
  const run = await runCliProcess(['publish', '.', '--from-git', 'sub/tool/v0.2.0', '--json'], { env, cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { module: string; version: string; hash: string; files: string[] };
  assert.deepEqual([out.module, out.version], ['example.com/gitmod/sub/tool', 'v0.2.0']);
  // go adds the repository root's LICENSE to a subdirectory module that has none.
  assert.deepEqual(out.files.sort(), ['LICENSE', 'go.mod', 'main.go']);
  const theirs = await witness.createFromGit(repo, out.module, 'v0.2.0', 'sub/tool/v0.2.0', 'sub/tool');
  assert.equal(out.hash, theirs.hash, theirs.error);
  const go = await goClient(path.join(root, 'go2'), `${registry.url}/api/packages/acme/go`);
  await go.go(['install', 'example.com/gitmod/sub/tool@v0.2.0']);
  const output = execFileSync(path.join(root, 'go2', 'gopath', 'bin', 'tool')).toString();
  assert.equal(output, 'tool from the tag\n');
});

test('publish of a folder: go installs the uploaded version; the same version again is exit 4', async () => {
  const dir = path.join(root, 'hello');
  await mkdir(dir);
  await writeFile(path.join(dir, 'go.mod'), 'module example.com/hello\n\ngo 1.21\n');
  await writeFile(path.join(dir, 'main.go'), 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello from publish") }\n');
  await mkdir(path.join(dir, 'vendor', 'example.com', 'dep'), { recursive: true });
  await writeFile(path.join(dir, 'vendor', 'example.com', 'dep', 'dep.go'), 'package dep\n');
  const run = await runCliProcess(['publish', dir, '--version', 'v1.2.3', '--progress'], { env });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /upload 100%/);
  const go = await goClient(path.join(root, 'go3'), `${registry.url}/api/packages/acme/go`);
  await go.go(['install', 'example.com/hello@v1.2.3']);
  assert.equal(execFileSync(path.join(root, 'go3', 'gopath', 'bin', 'hello')).toString(), 'hello from publish\n');
  const again = await runCliProcess(['publish', dir, '--version', 'v1.2.3'], { env });
  assert.equal(again.code, 4);
  assert.match(again.stderr, /409/);
  // Not a terminal and no --progress: no progress lines.
  assert.doesNotMatch(again.stderr, /upload \d+%/);
});
