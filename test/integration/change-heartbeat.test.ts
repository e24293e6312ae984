/**
 * A change-notification connection that dies silently (its packets go nowhere, no FIN,
 * no RST: a NAT or firewall forgot it) is noticed by its heartbeat: the read cache goes
 * off, a new connection listens, and a change made meanwhile is seen. Without the
 * heartbeat TCP would notice after hours, and the replica would serve the cached owner
 * (here: a public owner made private) all that time. The registry reaches PostgreSQL
 * through a proxy that can freeze its connections; the change is made directly.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { readFile } from 'node:fs/promises';
import { createOwner } from '../support/admin-api.js';
import { makeModuleZip } from '../support/module-zips.js';
import { eventually } from '../support/eventually.js';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry } from '../support/in-process-registry.js';
import { tempDir } from '../support/paths.js';
import { startPostgres, type PostgresCluster } from '../support/postgres-cluster.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

let cluster: PostgresCluster;
let proxy: TcpProxy;
let reg: TestRegistry;
let databaseUrl: string;
let cleanup: () => Promise<void>;
let dir: string;

before(async () => {
  cluster = await startPostgres();
  databaseUrl = await cluster.createDatabase('heartbeat');
  proxy = await startTcpProxy(cluster.port);
  ({ dir, remove: cleanup } = await tempDir('heartbeat'));
  reg = await startTestRegistry({
    DATABASE_URL: databaseUrl.replace(`:${cluster.port}/`, `:${proxy.port}/`),
    STORAGE_DIR: path.join(dir, 'blobs'),
    CHANGES_HEARTBEAT_SECONDS: '0.3',
    DATABASE_QUERY_TIMEOUT_SECONDS: '1',
    DATABASE_CONNECT_TIMEOUT_SECONDS: '1',
  });
});
after(async () => {
  await reg?.stop();
  await proxy?.stop();
  await cluster?.stop();
  await cleanup?.();
});

const infoStatus = async () => {
  const res = await fetch(`${reg.url}/api/packages/quiet/go/example.com/m/@v/v1.0.0.info`);
  await res.arrayBuffer();
  return res.status;
};
const metric = async (name: string) => {
  const text = await (await fetch(`${reg.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
};

test('a silently dead LISTEN connection is found by its heartbeat; a change made meanwhile is seen', async () => {
  await createOwner(reg.url, ADMIN_TOKEN, 'quiet', 'public');
  const zip = await readFile(await makeModuleZip(dir, 'example.com/m', 'v1.0.0'));
  const uploaded = await fetch(`${reg.url}/api/packages/quiet/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: { Authorization: reg.auth } });
  assert.equal(uploaded.status, 201);
  await eventually('the read cache is on', async () => (await metric('goregistry_change_listener_up')) === 1);
  // Warm the cache: owner (directory) and version come from memory from now on.
  await eventually('an anonymous read of the public module', async () => (await infoStatus()) === 200);
  for (let i = 0; i < 3; i++) assert.equal(await infoStatus(), 200);
  const connectionsBefore = proxy.accepted;
  proxy.freeze();
  const direct = new pg.Client(databaseUrl);
  await direct.connect();
  try {
    // The notification goes to the frozen connection and is lost with it.
    await direct.query(`UPDATE owners SET visibility = 'private' WHERE name = 'quiet'`);
  } finally {
    await direct.end();
  }
  // Private now: an anonymous reader must get the missing owner's 404 (503s while the pool's
  // frozen connections time out are allowed; a 200 after the bound is the stale cache).
  await eventually('the private owner is hidden', async () => (await infoStatus()) === 404, { timeoutMs: 15_000, intervalMs: 100 });
  assert.ok(proxy.accepted > connectionsBefore, 'a new connection was made');
  await eventually('the read cache is on again', async () => (await metric('goregistry_change_listener_up')) === 1, { timeoutMs: 15_000 });
});
