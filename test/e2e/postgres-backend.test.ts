/**
 * The same user flow with DATABASE_URL pointing at a real PostgreSQL 15 (a throwaway
 * cluster): upload with curl, go downloads, restart and two replicas sharing the database.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { curl, curlUpload } from '../support/curl.js';
import { createOwner } from '../support/admin-api.js';
import { goClient } from '../support/go-client.js';
import { makeModuleZip } from '../support/module-zips.js';
import { tempDir } from '../support/paths.js';
import { startPostgres, type PostgresCluster } from '../support/postgres-cluster.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';

const TOKEN = 'e2e-admin-token-postgres-0123456';
let root: string;
let cleanup: () => Promise<void>;
let pg: PostgresCluster;
let env: Record<string, string>;
const running: RegistryProcess[] = [];

before(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('e2e-pg'));
  pg = await startPostgres();
  env = {
    DATABASE_URL: await pg.createDatabase('registry'),
    DATA_DIR: path.join(root, 'data'),
    STORAGE_DIR: path.join(root, 'blobs'),
    REGISTRY_ADMIN_TOKEN: TOKEN,
  };
});
after(async () => {
  await Promise.all(running.map((r) => r.stop()));
  await pg?.stop();
  await cleanup();
});

const start = async () => {
  const r = await startRegistryProcess(env);
  running.push(r);
  return r;
};

test('two replicas start together on one database, share it, and survive a restart', async () => {
  // Both apply migrations at once: the advisory lock makes one wait for the other.
  const [a, b] = await Promise.all([start(), start()]);
  await createOwner(a.url, TOKEN, 'acme', 'public');
  const zip = await makeModuleZip(root, 'example.com/pgmod', 'v1.0.0', {
    'go.mod': 'module example.com/pgmod\n\ngo 1.21\n',
    'pg.go': 'package pgmod\n\nconst Backend = "postgres"\n',
  });
  const up = await curlUpload(a.url, 'acme', zip, `ci:${TOKEN}`);
  assert.equal(up.status, 201, up.body);
  assert.equal((await curlUpload(b.url, 'acme', zip, `ci:${TOKEN}`)).status, 409, 'the other replica sees the version');
  const go = await goClient(path.join(root, 'go1'), `${b.url}/api/packages/acme/go`);
  const got = JSON.parse((await go.go(['mod', 'download', '-json', 'example.com/pgmod@latest'])).stdout) as { Version: string; Sum: string };
  assert.equal(got.Version, 'v1.0.0');
  assert.equal(got.Sum, (JSON.parse(up.body) as { zipHash: string }).zipHash);

  await Promise.all([a.stop(), b.stop()]);
  const c = await start();
  const list = await curl([`${c.url}/api/packages/acme/go/example.com/pgmod/@v/list`]);
  assert.equal(list.body, 'v1.0.0\n');
  const ready = await curl([`${c.url}/readyz`]);
  assert.equal(ready.status, 200);
});
