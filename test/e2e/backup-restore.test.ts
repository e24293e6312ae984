/**
 * Backup and restore as the README describes them: `main.js backup <folder>` while the
 * registry serves uploads and deletes (its sweeper running every second with a 2 s grace
 * period, besides the deletes' own removals right after their commits), restored into a fresh install (a new
 * PostgreSQL 15 cluster with pg_restore, a new STORAGE_DIR with cp -a); every restored
 * version downloads with its published hash. Then the storage check on that install: missing
 * and corrupt blobs reported (the versions kept), --repair removes only unreferenced files
 * past the grace period.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { escapeCase } from '../../registry/domain/case-encoding.js';
import { createOwner } from '../support/admin-api.js';
import { eventually } from '../support/eventually.js';
import { makeModuleZip } from '../support/module-zips.js';
import { REPO_ROOT, tempDir } from '../support/paths.js';
import { PG_BIN, startPostgres, type PostgresCluster } from '../support/postgres-cluster.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';
import { checkServed, listedVersions, sha256, storedFiles, type PublishedVersion } from '../support/served-state.js';

const run = promisify(execFile);
const TOKEN = 'e2e-admin-token-backup-0123456789';
const ADMIN = { Authorization: `Bearer ${TOKEN}` };
const OWNERS = ['team', 'hidden'];
const MODULES = ['example.com/backup/one', 'example.com/backup/two', 'example.com/backup/three'];

let root: string;
let cleanup: () => Promise<void>;
const clusters: PostgresCluster[] = [];
const registries: RegistryProcess[] = [];
let restoredEnv: Record<string, string>;
let restored: RegistryProcess;
let restoredVersions: PublishedVersion[] = [];

before(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('e2e-backup'));
});
after(async () => {
  for (const r of registries) await r.stop();
  for (const c of clusters) await c.stop();
  await cleanup?.();
});

/** The registry's own commands, as a user runs them. */
const command = (args: string[], env: Record<string, string>) =>
  run(process.execPath, ['dist/registry/main.js', ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

interface Published extends PublishedVersion {
  sentAt: number;
  ackAt?: number;
  deleteSentAt?: number;
  deleteAckAt?: number;
}

let counter = 0;
async function publish(url: string, owner: string, modulePath: string): Promise<Published> {
  const version = `v1.0.${counter++}`;
  const zip = await readFile(
    await makeModuleZip(root, modulePath, version, { 'go.mod': `module ${modulePath}\n\ngo 1.21\n`, 'lib.go': `package lib\n\nconst V = "${version}"\n` }),
  );
  const v: Published = { owner, modulePath, version, zipSha256: sha256(zip), sentAt: Date.now() };
  const res = await fetch(`${url}/api/packages/${owner}/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: ADMIN });
  assert.equal(res.status, 201, await res.text());
  v.ackAt = Date.now();
  return v;
}

async function remove(url: string, v: Published): Promise<void> {
  v.deleteSentAt = Date.now();
  const res = await fetch(`${url}/api/packages/${v.owner}/go/${escapeCase(v.modulePath)}/@v/${v.version}`, { method: 'DELETE', headers: ADMIN });
  assert.equal(res.status, 204, await res.text());
  v.deleteAckAt = Date.now();
}

test('a backup taken under uploads and deletes restores into a fresh install where every version downloads with its hash', async () => {
  const source = await startPostgres();
  clusters.push(source);
  const sourceEnv = {
    DATABASE_URL: await source.createDatabase('registry'),
    STORAGE_DIR: path.join(root, 'storage'),
    DATA_DIR: path.join(root, 'data'),
    REGISTRY_ADMIN_TOKEN: TOKEN,
    SWEEP_INTERVAL_SECONDS: '1',
    // Short, but above an upload's time between its last write and its rename (0 would sweep uploads in flight).
    SWEEP_GRACE_SECONDS: '2',
  };
  const reg = await startRegistryProcess(sourceEnv);
  registries.push(reg);
  await createOwner(reg.url, TOKEN, 'team', 'public');
  await createOwner(reg.url, TOKEN, 'hidden', 'private');
  const all: Published[] = [];
  for (let i = 0; i < 60; i++) all.push(await publish(reg.url, OWNERS[i % 2]!, MODULES[i % 3]!));

  // Load while the backup runs: uploads, and deletes of what was acknowledged before.
  let stop = false;
  const uploads = (async () => {
    for (let i = 0; !stop; i++) all.push(await publish(reg.url, OWNERS[i % 2]!, MODULES[i % 3]!));
  })();
  const deletes = (async () => {
    while (!stop) {
      const candidates = all.filter((v) => v.ackAt !== undefined && v.deleteSentAt === undefined);
      if (candidates.length > 20) await remove(reg.url, candidates[Math.floor(Math.random() * candidates.length)]!);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  await new Promise((r) => setTimeout(r, 300));
  const backupDir = path.join(root, 'backup');
  const backupStart = Date.now();
  const backup = await command(['backup', backupDir], { ...sourceEnv, PG_DUMP: path.join(PG_BIN, 'pg_dump') });
  const backupEnd = Date.now();
  await new Promise((r) => setTimeout(r, 200));
  stop = true;
  await Promise.all([uploads, deletes]);
  assert.equal(backup.code, 0, backup.stderr);
  assert.match(backup.stdout, /^backup in .*: database dump database\.dump, \d+ blobs/);
  assert.ok(existsSync(path.join(backupDir, 'backup.json')));
  // The load overlapped the backup: writes and deletes acknowledged while it ran.
  const during = (t?: number) => t !== undefined && t > backupStart && t < backupEnd;
  assert.ok(all.some((v) => during(v.ackAt)), 'uploads acknowledged during the backup');
  assert.ok(all.some((v) => during(v.deleteAckAt)), 'deletes acknowledged during the backup');

  // Restore, in the order the README gives: database, then files, and only then the registry (its sweeper runs at start).
  const target = await startPostgres();
  clusters.push(target);
  const targetUrl = await target.createDatabase('restored');
  await run(path.join(PG_BIN, 'pg_restore'), ['--no-owner', `--dbname=${targetUrl}`, path.join(backupDir, 'database.dump')]);
  const storage = path.join(root, 'restored-storage');
  await run('mkdir', ['-p', storage]);
  await run('cp', ['-a', path.join(backupDir, 'blobs'), storage]);
  // The checksum database's generated signing key came along; the restored log is signed on with it.
  await run('mkdir', ['-p', path.join(root, 'restored-data')]);
  await run('cp', ['-a', path.join(backupDir, 'sumdb-signing-key'), path.join(root, 'restored-data', 'sumdb-signing-key')]);
  restoredEnv = {
    DATABASE_URL: targetUrl,
    STORAGE_DIR: storage,
    DATA_DIR: path.join(root, 'restored-data'),
    REGISTRY_ADMIN_TOKEN: TOKEN,
    SWEEP_INTERVAL_SECONDS: '0',
    SWEEP_GRACE_SECONDS: '0',
  };
  restored = await startRegistryProcess(restoredEnv);
  registries.push(restored);

  const byKey = new Map(all.map((v) => [`${v.owner}/${v.modulePath}@${v.version}`, v]));
  const listed: Published[] = [];
  for (const owner of OWNERS) {
    for (const modulePath of MODULES) {
      for (const version of await listedVersions(restored.url, owner, modulePath, ADMIN)) {
        const v = byKey.get(`${owner}/${modulePath}@${version}`);
        assert.ok(v, `${owner}/${modulePath}@${version} is restored but was never published`);
        listed.push(v);
      }
    }
  }
  const mustBe = all.filter((v) => v.ackAt! < backupStart && !(v.deleteSentAt! < backupEnd));
  const mustNot = all.filter((v) => v.deleteAckAt! < backupStart || v.sentAt > backupEnd);
  const listedKeys = new Set(listed);
  for (const v of mustBe) assert.ok(listedKeys.has(v), `${v.owner}/${v.modulePath}@${v.version}, there before the backup, is restored`);
  assert.ok(listed.some((v) => during(v.deleteAckAt)), 'the backup holds versions deleted while it ran (the case the order and the hold are for)');
  await checkServed(restored.url, { present: listed, absent: mustNot }, ADMIN);
  restoredVersions = listed;

  // Files uploaded after the dump came along; no restored version references them, and the start-up sweep removed them.
  await eventually('only referenced blobs left', async () => (await storedFiles(storage)).blobs.length === new Set(listed.map((v) => v.zipSha256)).size, {
    timeoutMs: 10_000,
  });
  const check = await command(['check-storage'], restoredEnv);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, new RegExp(`checked ${listed.length} versions referencing ${listed.length} blobs: 0 missing, 0 corrupt; 0 unreferenced blobs`));
});

test('check-storage reports missing and corrupt blobs and keeps their versions; --repair removes only unreferenced files past the grace period', async () => {
  assert.ok(restored, 'the restored install from the test before');
  const [gone, damaged] = restoredVersions as [Published, Published];
  const blobPath = (key: string) => path.join(restoredEnv.STORAGE_DIR!, 'blobs', 'sha256', key.slice(0, 2), key);
  await run('rm', [blobPath(gone.zipSha256)]);
  await writeFile(blobPath(damaged.zipSha256), 'other bytes');
  const old = new Date(Date.now() - 2 * 3600_000);
  const stray = Buffer.from('a file no version references');
  await run('mkdir', ['-p', path.dirname(blobPath(sha256(stray)))]);
  await writeFile(blobPath(sha256(stray)), stray);
  await utimes(blobPath(sha256(stray)), old, old);
  const young = Buffer.from('an upload in flight, maybe');
  await run('mkdir', ['-p', path.dirname(blobPath(sha256(young)))]);
  await writeFile(blobPath(sha256(young)), young);
  const temp = path.join(restoredEnv.STORAGE_DIR!, 'tmp', 'upload-left-behind');
  await writeFile(temp, 'partial');
  await utimes(temp, old, old);
  const env = { ...restoredEnv, SWEEP_GRACE_SECONDS: '3600' };

  const check = await command(['check-storage'], env);
  assert.equal(check.code, 1, check.stdout + check.stderr);
  assert.match(check.stdout, new RegExp(`^missing ${gone.owner}/${gone.modulePath}@${gone.version}: blob ${gone.zipSha256} is not in storage$`, 'm'));
  assert.match(check.stdout, new RegExp(`^corrupt ${damaged.owner}/${damaged.modulePath}@${damaged.version}: blob ${damaged.zipSha256} holds bytes whose SHA-256 is ${sha256(Buffer.from('other bytes'))}$`, 'm'));
  assert.match(check.stdout, /: 1 missing, 1 corrupt; 2 unreferenced blobs/);
  assert.equal((await storedFiles(restoredEnv.STORAGE_DIR!)).blobs.length, restoredVersions.length + 1, 'a check without --repair changes nothing');

  const repair = await command(['check-storage', '--repair'], env);
  assert.equal(repair.code, 1, 'the problems remain, reported');
  assert.match(repair.stdout, /repaired: removed 1 unreferenced blobs \(\d+ bytes\) and 1 stale temp files/);
  assert.ok(!existsSync(blobPath(sha256(stray))), 'the old unreferenced blob is gone');
  assert.ok(existsSync(blobPath(sha256(young))), 'the young one is left (within the grace period)');
  assert.ok(!existsSync(temp), 'the stale temp file is gone');
  for (const v of [gone, damaged]) {
    assert.ok((await listedVersions(restored.url, v.owner, v.modulePath, ADMIN)).includes(v.version), `${v.version}: metadata kept`);
  }

  const usage = await command(['check-storage', '--fix'], env);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /usage: node dist\/registry\/main\.js/);
});
