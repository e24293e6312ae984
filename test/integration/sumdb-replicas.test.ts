/**
 * Two registries on one PostgreSQL database (replicas, one signing key) taking parallel
 * uploads: one consistent checksum log — every version logged once, ids without gaps,
 * the audit (every record and the root recomputed from outside) passes, and x/mod's
 * sumdb.Client verifies lookups through either replica.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { audit } from '../../registry/cli/sumdb-audit.js';
import { generateKey } from '../../registry/domain/sumdb/note.js';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry } from '../support/in-process-registry.js';
import { makeModuleZip } from '../support/module-zips.js';
import { tempDir } from '../support/paths.js';
import { startPostgres, type PostgresCluster } from '../support/postgres-cluster.js';
import { referenceLookup } from '../support/sumdb-reference.js';
import { readFile } from 'node:fs/promises';

let cluster: PostgresCluster;
let a: TestRegistry;
let b: TestRegistry;
let dir: string;
let cleanup: () => Promise<void>;

before(async () => {
  cluster = await startPostgres();
  ({ dir, remove: cleanup } = await tempDir('sumdb-replicas'));
  const env = { DATABASE_URL: await cluster.createDatabase('replicas'), STORAGE_DIR: path.join(dir, 'blobs'), SUMDB_SIGNING_KEY: generateKey('go-registry').skey };
  a = await startTestRegistry(env);
  b = await startTestRegistry(env);
  await a.createOwner('acme');
});
after(async () => {
  await a?.stop();
  await b?.stop();
  await cluster?.stop();
  await cleanup?.();
});

test('parallel uploads on two replicas make one consistent log', async () => {
  const N = 24;
  const zips = await Promise.all(Array.from({ length: N }, (_, i) => makeModuleZip(dir, `example.com/acme/m${i % 6}`, `v1.${Math.floor(i / 6)}.0`)));
  const statuses = await Promise.all(
    zips.map(async (zip, i) => {
      const reg = i % 2 ? a : b;
      const res = await fetch(`${reg.url}/api/packages/acme/go/upload`, { method: 'PUT', body: await readFile(zip), headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      return res.status;
    }),
  );
  assert.deepEqual(statuses, Array(N).fill(201));
  // The same version at once through both replicas: one 201, one 409, one record.
  const twin = await readFile(await makeModuleZip(dir, 'example.com/acme/twin', 'v1.0.0'));
  const twins = await Promise.all([a, b].map(async (reg) => (await fetch(`${reg.url}/api/packages/acme/go/upload`, { method: 'PUT', body: twin, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status));
  assert.deepEqual(twins.sort(), [201, 409]);

  const lines: string[] = [];
  const problems = await audit({ url: `${a.url}/sumdb/go-registry`, stateDir: path.join(dir, 'audit'), zips: true, adminToken: ADMIN_TOKEN }, (l) => lines.push(l));
  assert.deepEqual(problems, [], lines.join('\n'));
  assert.equal(lines[0], `tree of ${N + 1} records signed by go-registry`);
  assert.match(lines.join('\n'), new RegExp(`${N + 1} served zips checked`));

  const vkey = (await (await fetch(`${b.url}/api/sumdb/key`)).text()).trim();
  for (const reg of [a, b]) {
    const r = await referenceLookup({ url: `${reg.url}/sumdb/go-registry`, vkey, modules: ['example.com/acme/m0@v1.3.0', 'example.com/acme/twin@v1.0.0'] });
    // Lookups of a public owner's modules need no credentials.
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.lines.length, 2);
  }
});
