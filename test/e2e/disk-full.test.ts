/**
 * The blob volume fills up during an upload: the upload is a 507 with a message, no
 * half-written blob or temp file remains, reads go on, and once the space is back (here:
 * the sweeper removes stale temp files that filled it, as interrupted uploads would) the
 * same upload succeeds. STORAGE_DIR is a small tmpfs mounted for the test (as root).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { createOwner } from '../support/admin-api.js';
import { eventually } from '../support/eventually.js';
import { makeModuleZip } from '../support/module-zips.js';
import { tempDir } from '../support/paths.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';
import { checkServed, sha256, storedFiles } from '../support/served-state.js';

const run = promisify(execFile);
const ADMIN = 'disk-full-admin-token-0123456789';
const auth = { Authorization: `Bearer ${ADMIN}` };
const VOLUME_BYTES = 8 * 1024 * 1024;

let dir: string;
let storage: string;
let mounted = false;
let cleanup: () => Promise<void>;
let registry: RegistryProcess;

before(async () => {
  ({ dir, remove: cleanup } = await tempDir('disk-full'));
  storage = path.join(dir, 'storage');
  await mkdir(storage);
  assert.equal(process.getuid?.(), 0, 'mounting the small tmpfs for STORAGE_DIR needs root (CI runs as root)');
  await run('mount', ['-t', 'tmpfs', '-o', `size=${VOLUME_BYTES}`, 'tmpfs', storage]);
  mounted = true;
  registry = await startRegistryProcess({
    DATA_DIR: path.join(dir, 'data'),
    STORAGE_DIR: storage,
    REGISTRY_ADMIN_TOKEN: ADMIN,
    SWEEP_INTERVAL_SECONDS: '0.5',
    SWEEP_GRACE_SECONDS: '60',
  });
  await createOwner(registry.url, ADMIN, 'acme', 'public');
});
after(async () => {
  await registry?.stop();
  if (mounted) await run('umount', [storage]);
  await cleanup?.();
});

const upload = (zip: Buffer) =>
  fetch(`${registry.url}/api/packages/acme/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: auth });

test('a full volume: 507 with a message, nothing half-written, reads go on, the sweeper brings the space back', async () => {
  const small = await readFile(await makeModuleZip(dir, 'example.com/small', 'v1.0.0'));
  assert.equal((await upload(small)).status, 201);
  // Incompressible, so the zip really takes its size on the volume.
  const big = await readFile(await makeModuleZip(dir, 'example.com/big', 'v1.0.0', { 'go.mod': 'module example.com/big\n', 'data.bin': randomBytes(2 * 1024 * 1024) }));

  // What interrupted uploads would leave: temp files that fill the volume (all but ~256 KiB).
  const { stdout } = await run('df', ['--output=avail', '-B1', storage]);
  const filler = path.join(storage, 'tmp', 'upload-left-by-a-crash');
  await writeFile(filler, Buffer.alloc(Number(stdout.trim().split('\n')[1]) - 256 * 1024));
  const blobsBefore = (await storedFiles(storage)).blobs;

  const full = await upload(big);
  assert.equal(full.status, 507);
  assert.match(full.headers.get('content-type') ?? '', /^text\/plain/);
  assert.match(await full.text(), /no storage space left/);
  const after = await storedFiles(storage);
  assert.deepEqual(after.blobs, blobsBefore, 'no half-written blob');
  assert.deepEqual(after.temps, ['upload-left-by-a-crash'], 'the refused upload left no temp file');
  assert.ok(!(await fetch(`${registry.url}/api/packages/acme/go/example.com/big/@v/list`)).ok, 'nothing refused is listed');
  const smallVersion = { owner: 'acme', modulePath: 'example.com/small', version: 'v1.0.0', zipSha256: sha256(small) };
  await checkServed(registry.url, { present: [smallVersion] });

  // The leftover ages past the sweeper's grace period; the next sweep frees the space.
  const old = new Date(Date.now() - 120_000);
  await utimes(filler, old, old);
  await eventually('the sweeper removed the stale temp file', async () => (await storedFiles(storage)).temps.length === 0, { timeoutMs: 15_000 });
  const retried = await upload(big);
  assert.equal(retried.status, 201, await retried.text());
  await checkServed(registry.url, { present: [smallVersion, { owner: 'acme', modulePath: 'example.com/big', version: 'v1.0.0', zipSha256: sha256(big) }] });
  await rm(filler, { force: true });
});
