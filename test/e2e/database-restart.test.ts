/**
 * PostgreSQL goes away under continuous upload and read load (a crash: immediate stop,
 * recovery at start) and comes back. While it is down every answer is a 503 with
 * Retry-After — never a 500, never a hang — and /readyz fails; afterwards the registry
 * serves again by itself, without a restart; nothing it acknowledged is lost and
 * everything it lists downloads with its published bytes.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createOwner } from '../support/admin-api.js';
import { eventually } from '../support/eventually.js';
import { makeModuleZip } from '../support/module-zips.js';
import { tempDir } from '../support/paths.js';
import { startPostgres, type PostgresCluster } from '../support/postgres-cluster.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';
import { checkServed, sha256, type PublishedVersion } from '../support/served-state.js';

const ADMIN = 'db-restart-admin-token-0123456789';
const auth = { Authorization: `Bearer ${ADMIN}` };
/** No request may take longer than this, outage or not. */
const REQUEST_DEADLINE_MS = 15_000;

let pg: PostgresCluster;
let registry: RegistryProcess;
let dir: string;
let cleanup: () => Promise<void>;

before(async () => {
  ({ dir, remove: cleanup } = await tempDir('db-restart'));
  pg = await startPostgres();
  registry = await startRegistryProcess({
    DATABASE_URL: await pg.createDatabase('restart'),
    DATA_DIR: path.join(dir, 'data'),
    REGISTRY_ADMIN_TOKEN: ADMIN,
    DATABASE_CONNECT_TIMEOUT_SECONDS: '2',
    DATABASE_QUERY_TIMEOUT_SECONDS: '5',
    CHANGES_HEARTBEAT_SECONDS: '1',
  });
  await createOwner(registry.url, ADMIN, 'acme', 'public');
});
after(async () => {
  await registry?.stop();
  await pg?.stop();
  await cleanup?.();
});

interface Tally {
  statuses: Map<number, number>;
  bad: string[];
  acknowledged: PublishedVersion[];
}

/** One request with a deadline; any 5xx but a 503 with Retry-After, any hang, is recorded as bad. */
async function send(t: Tally, what: string, url: string, init: RequestInit = {}): Promise<Response | undefined> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_DEADLINE_MS) }).catch((err: Error) => {
    t.bad.push(`${what}: ${err.name} ${err.message}`);
    return undefined;
  });
  if (!res) return undefined;
  const body = await res.text();
  t.statuses.set(res.status, (t.statuses.get(res.status) ?? 0) + 1);
  if (res.status >= 500 && (res.status !== 503 || !res.headers.get('retry-after'))) t.bad.push(`${what}: ${res.status} ${body}`);
  if (res.status >= 400 && !/^text\/plain/.test(res.headers.get('content-type') ?? '')) t.bad.push(`${what}: ${res.status} without a text message`);
  return res;
}

async function uploader(t: Tally, until: () => boolean) {
  for (let i = 0; !until(); i++) {
    const version = `v1.0.${i}`;
    const zip = await readFile(await makeModuleZip(dir, 'example.com/load', version));
    const res = await send(t, `upload ${version}`, `${registry.url}/api/packages/acme/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: auth });
    if (res?.status === 201) t.acknowledged.push({ owner: 'acme', modulePath: 'example.com/load', version, zipSha256: sha256(zip) });
    if (res?.status === 503) await new Promise((r) => setTimeout(r, 100));
  }
}

async function reader(t: Tally, until: () => boolean) {
  const base = `${registry.url}/api/packages/acme/go/example.com/load/@v`;
  while (!until()) {
    const known = t.acknowledged.at(-1);
    await send(t, 'list', `${base}/list`);
    if (known) await send(t, `zip ${known.version}`, `${base}/${known.version}.zip`);
    await send(t, 'missing owner', `${registry.url}/api/packages/nobody/go/example.com/x/@v/list`);
  }
}

test('a PostgreSQL crash under load: 503s with Retry-After meanwhile, /readyz fails, service returns by itself, nothing acknowledged is lost', async () => {
  const t: Tally = { statuses: new Map(), bad: [], acknowledged: [] };
  let done = false;
  const load = Promise.all([uploader(t, () => done), reader(t, () => done), reader(t, () => done)]);
  try {
    await outageUnderLoad(t);
  } finally {
    done = true;
    await load;
  }
  assert.deepEqual(t.bad, [], 'every answer was a success, a 4xx with a message or a 503 with Retry-After, in time');
  assert.ok((t.statuses.get(500) ?? 0) === 0);
  await checkServed(registry.url, { present: t.acknowledged });
});

async function outageUnderLoad(t: Tally) {
  await eventually('uploads under load', async () => t.acknowledged.length >= 5);

  await pg.stopServer('immediate');
  const readyDuringOutage = await fetch(`${registry.url}/readyz`);
  assert.equal(readyDuringOutage.status, 503, 'not ready while the database is down');
  assert.match(await readyDuringOutage.text(), /database/);
  const before503 = t.statuses.get(503) ?? 0;
  await eventually('503s during the outage', async () => (t.statuses.get(503) ?? 0) > before503 + 5, { timeoutMs: 20_000 });
  const acknowledgedBeforeRestart = t.acknowledged.length;

  await pg.startServer();
  await eventually('ready again', async () => (await fetch(`${registry.url}/readyz`)).status === 200, { timeoutMs: 30_000 });
  await eventually('uploads acknowledged again', async () => t.acknowledged.length >= acknowledgedBeforeRestart + 5, { timeoutMs: 30_000 });
}
