/**
 * `go-registry publish --dry-run` zips as golang.org/x/mod/zip.CreateFromDir does, with x/mod
 * itself as the witness: for real public modules from a module cache filled by the real
 * `go mod download` (the h1: of go's own go.sum line), and for a fixture per exclusion and
 * refusal rule built here — the same files and hash, or both refusing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCliCaptured } from '../support/cli-run.js';
import { tempDir } from '../support/paths.js';
import { goClient, type GoClient } from '../support/go-client.js';
import { PUBLIC_GOPROXY, startXModZip, type XModZip } from '../support/x-mod-zip.js';

let root: string;
let cleanup: () => Promise<void>;
let witness: XModZip;
let publicGo: GoClient;

before(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('cli-zip'));
  witness = await startXModZip(root);
  publicGo = await goClient(path.join(root, 'public'), PUBLIC_GOPROXY);
});
after(async () => {
  await witness?.close();
  await cleanup();
});

interface DryRun {
  code: number;
  stderr: string;
  hash?: string;
  goModHash?: string;
  files?: string[];
}

async function dryRun(dir: string, modulePath: string, version: string): Promise<DryRun> {
  const run = await runCliCaptured(['publish', dir, '--version', version, '--module', modulePath, '--dry-run', '--json']);
  if (run.code !== 0) return { code: run.code, stderr: run.stderr };
  const out = JSON.parse(run.stdout) as { hash: string; goModHash: string; files: string[] };
  return { code: 0, stderr: run.stderr, hash: out.hash, goModHash: out.goModHash, files: out.files };
}

test('real public modules from the module cache: the h1: hashes of go.sum', async () => {
  const modules = ['golang.org/x/mod@v0.22.0', 'golang.org/x/text@v0.21.0', 'github.com/google/uuid@v1.6.0', 'rsc.io/quote@v1.5.2', 'rsc.io/sampler@v1.3.0'];
  const { stdout } = await publicGo.go(['mod', 'download', '-json', ...modules]);
  const downloads = JSON.parse(`[${stdout.replace(/}\s*{/g, '},{')}]`) as { Path: string; Version: string; Dir: string; Sum: string; GoModSum: string }[];
  assert.equal(downloads.length, modules.length);
  for (const d of downloads) {
    const ours = await dryRun(d.Dir, d.Path, d.Version);
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(ours.hash, d.Sum, `${d.Path}@${d.Version}`);
    assert.equal(ours.goModHash, d.GoModSum, `${d.Path}@${d.Version} go.mod`);
  }
});

type Tree = Record<string, string | { symlink: string } | { size: number } | 'fifo'>;

async function makeTree(name: string, tree: Tree): Promise<string> {
  const dir = path.join(root, 'fixtures', name);
  for (const [file, content] of Object.entries(tree)) {
    const target = path.join(dir, file);
    await mkdir(path.dirname(target), { recursive: true });
    if (content === 'fifo') execFileSync('mkfifo', [target]);
    else if (typeof content === 'string') await writeFile(target, content);
    else if ('symlink' in content) await symlink(content.symlink, target);
    else {
      await writeFile(target, '');
      await truncate(target, content.size);
    }
  }
  return dir;
}

const goMod = (go: string) => `module example.com/fx\n\ngo ${go}\n`;
const MiB = 1024 * 1024;

// name → files, and the names (our files list) expected valid, or the refusal's file and rule.
const fixtures: [string, Tree, { valid: string[] } | { refused: RegExp }][] = [
  ['vendor before go 1.24', { 'go.mod': goMod('1.21'), 'vendor/modules.txt': 'm', 'vendor/a/a.go': 'x', 'vendor/top.go': 'x', 'pkg/vendor/vendor.go': 'x', 'pkg/vendor/v/v.go': 'x', 'a.go': 'x' }, { valid: ['a.go', 'go.mod', 'vendor/modules.txt', 'vendor/top.go'] }],
  ['vendor from go 1.24', { 'go.mod': goMod('1.24'), 'vendor/modules.txt': 'm', 'vendor/a/a.go': 'x', 'vendor/top.go': 'x', 'pkg/vendor/vendor.go': 'x', 'pkg/vendor/v/v.go': 'x', 'a.go': 'x' }, { valid: ['a.go', 'go.mod', 'pkg/vendor/vendor.go', 'vendor/top.go'] }],
  ['nested modules', { 'go.mod': goMod('1.21'), 'a.go': 'x', 'sub/go.mod': 'module example.com/fx/sub\n', 'sub/s.go': 'x', 'sub/deep/d.go': 'x', 'other/GO.MOD': 'module x\n', 'other/o.go': 'x' }, { valid: ['a.go', 'go.mod'] }],
  ['VCS folders and hg archival', { 'go.mod': goMod('1.21'), 'a.go': 'x', '.git/config': 'x', '.hg/store': 'x', '.svn/entries': 'x', '.bzr/branch': 'x', 'pkg/.git/HEAD': 'x', '.hg_archival.txt': 'x', '.gitignore': 'x' }, { valid: ['.gitignore', 'a.go', 'go.mod'] }],
  ['symbolic links and a fifo', { 'go.mod': goMod('1.21'), 'a.go': 'x', 'link.go': { symlink: 'a.go' }, 'linkdir': { symlink: 'pkg' }, 'pkg/p.go': 'x', 'pipe': 'fifo' }, { valid: ['a.go', 'go.mod', 'pkg/p.go'] }],
  ['case-fold collision', { 'go.mod': goMod('1.21'), 'README': 'x', 'readme': 'y' }, { refused: /readme: case-insensitive file name collision: "README" and "readme"/ }],
  ['directory and file case-fold collision', { 'go.mod': goMod('1.21'), 'Pkg/a.go': 'x', 'pkg/b.go': 'y' }, { refused: /pkg\/b\.go: case-insensitive file name collision: "Pkg" and "pkg"/ }],
  ['bad file name', { 'go.mod': goMod('1.21'), 'a*b.go': 'x' }, { refused: /a\*b\.go: .*invalid char '\*'/ }],
  ['go.mod in the wrong case at the root', { 'go.mod': goMod('1.21'), 'sub/Go.mod': 'x', 'GO.MOD': 'x' }, { refused: /GO\.MOD: go\.mod files must have lowercase names/ }],
  ['LICENSE too large', { 'go.mod': goMod('1.21'), 'LICENSE': { size: 16 * MiB + 1 } }, { refused: /LICENSE: LICENSE file too large \(max size is 16777216 bytes\)/ }],
  ['go.mod too large', { 'go.mod': goMod('1.21') + ' '.repeat(16 * MiB) }, { refused: /go\.mod: go\.mod file too large/ }],
  ['module too large', { 'go.mod': goMod('1.21'), 'big1.bin': { size: 300 * MiB }, 'big2.bin': { size: 201 * MiB } }, { refused: /module source tree too large \(max size is 524288000 bytes\)/ }],
];

for (const [name, tree, want] of fixtures) {
  test(`exclusion rule: ${name}`, async () => {
    const dir = await makeTree(name.replace(/\W+/g, '-'), tree);
    const [ours, theirs] = await Promise.all([dryRun(dir, 'example.com/fx', 'v1.0.0'), witness.createFromDir(dir, 'example.com/fx', 'v1.0.0')]);
    if ('valid' in want) {
      assert.equal(theirs.error, undefined, `x/mod: ${theirs.error}`);
      assert.equal(ours.code, 0, ours.stderr);
      assert.deepEqual([...(theirs.valid ?? [])].sort(), want.valid, 'x/mod keeps these files');
      assert.deepEqual([...(ours.files ?? [])].sort(), want.valid);
      assert.equal(ours.hash, theirs.hash);
    } else {
      assert.ok(theirs.error, 'x/mod refuses it too');
      assert.equal(ours.code, 2, ours.stderr);
      assert.match(ours.stderr, want.refused);
    }
  });
}
