/**
 * Forced owner deletes at once, on PostgreSQL: two owners whose versions share every
 * blob (their files were removed in opposite orders, which used to lock the blobs in
 * opposite orders inside one transaction and deadlock), and the same owner deleted twice
 * at once. Every answer is a 204 or a 404, and no file of a deleted version remains.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { makeModuleZip } from '../support/module-zips.js';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry } from '../support/in-process-registry.js';
import { tempDir } from '../support/paths.js';
import { startPostgres, type PostgresCluster } from '../support/postgres-cluster.js';

const VERSIONS = 100;
let cluster: PostgresCluster;
let reg: TestRegistry;
let dir: string;
let cleanup: () => Promise<void>;

before(async () => {
  cluster = await startPostgres();
  ({ dir, remove: cleanup } = await tempDir('owner-delete'));
  reg = await startTestRegistry({ DATABASE_URL: await cluster.createDatabase('owners'), STORAGE_DIR: path.join(dir, 'storage') });
});
after(async () => {
  await reg?.stop();
  await cluster?.stop();
  await cleanup?.();
});

const upload = (owner: string, zip: Buffer) =>
  fetch(`${reg.url}/api/packages/${owner}/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: { Authorization: reg.auth } });
const forceDelete = async (owner: string) => {
  const res = await fetch(`${reg.url}/api/admin/owners/${owner}?force=true`, { method: 'DELETE', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  return { status: res.status, body: await res.text() };
};

test('forced deletes of owners sharing blobs, and of one owner twice, at once: 204s and 404s, no deadlock, no file left', async () => {
  const zips = [];
  for (let i = 0; i < VERSIONS; i++) zips.push(await readFile(await makeModuleZip(dir, 'example.com/shared', `v1.0.${i}`)));
  for (let round = 0; round < 3; round++) {
    for (const owner of ['alpha', 'beta']) await reg.createOwner(owner);
    // Opposite insertion orders: their rows come back (and used to be locked) in opposite orders.
    for (const zip of zips) assert.equal((await upload('alpha', zip)).status, 201);
    for (const zip of [...zips].reverse()) assert.equal((await upload('beta', zip)).status, 201);
    assert.equal((await reg.storedFiles()).blobs.length, VERSIONS);
    const results = await Promise.all([forceDelete('alpha'), forceDelete('beta'), forceDelete('alpha')]);
    const statuses = results.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 204 || s === 404), `round ${round}: ${JSON.stringify(results)}`);
    assert.deepEqual([...statuses].sort(), [204, 204, 404], `round ${round}: each owner deleted once, the repeat finds none`);
    assert.deepEqual((await reg.storedFiles()).blobs, [], `round ${round}: every file went with its last reference`);
  }
});
