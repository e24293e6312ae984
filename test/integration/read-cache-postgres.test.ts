/**
 * Two registries sharing one PostgreSQL database (replicas): a change made through one
 * reaches the other's read cache through the database's change notifications, also
 * after the listening connection was cut. Bounded polls: notifications are asynchronous.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateKey } from '../../registry/domain/sumdb/note.js';
import pg from 'pg';
import { adminPut, createToken } from '../support/admin-api.js';
import { eventually as poll } from '../support/eventually.js';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry } from '../support/in-process-registry.js';
import { makeModuleZip } from '../support/module-zips.js';
import { tempDir } from '../support/paths.js';
import { startPostgres, type PostgresCluster } from '../support/postgres-cluster.js';
import { startOidcIssuer, type TestOidcIssuer } from '../support/oidc-issuer.js';

let cluster: PostgresCluster;
let issuer: TestOidcIssuer;
let databaseUrl: string;
let a: TestRegistry;
let b: TestRegistry;
let dir: string;
let cleanup: () => Promise<void>;
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const basic = (secret: string) => ({ Authorization: 'Basic ' + Buffer.from(`u:${secret}`).toString('base64') });

before(async () => {
  cluster = await startPostgres();
  databaseUrl = await cluster.createDatabase('replicas');
  ({ dir, remove: cleanup } = await tempDir('read-cache-pg'));
  // Replicas of one registry share its checksum database's signing key (each would generate its own).
  issuer = await startOidcIssuer();
  const env = {
    DATABASE_URL: databaseUrl, STORAGE_DIR: path.join(dir, 'blobs'), SUMDB_SIGNING_KEY: generateKey('go-registry').skey,
    OIDC_ISSUERS: JSON.stringify([{ issuer: issuer.url, audience: 'go-registry' }]),
  };
  a = await startTestRegistry(env);
  b = await startTestRegistry(env);
});
after(async () => {
  await a?.stop();
  await b?.stop();
  await cluster?.stop();
  await issuer?.stop();
  await cleanup?.();
});

const status = async (reg: TestRegistry, owner: string, tail: string, headers: Record<string, string> = {}) =>
  (await fetch(`${reg.url}/api/packages/${owner}/go/${tail}`, { headers }).then(async (r) => (await r.arrayBuffer(), r))).status;

/** Waits (at most 5 s) until `reg` answers `expected`. */
const eventually = (reg: TestRegistry, owner: string, tail: string, expected: number, headers: Record<string, string> = {}) =>
  poll(`${owner}/${tail} answers ${expected}`, async () => (await status(reg, owner, tail, headers)) === expected, { timeoutMs: 5000, intervalMs: 100 });

async function publish(owner: string, version = 'v1.0.0') {
  const zip = await readFile(await makeModuleZip(dir, 'example.com/m', version));
  const res = await fetch(`${a.url}/api/packages/${owner}/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: admin });
  assert.equal(res.status, 201);
}

const INFO = 'example.com/m/@v/v1.0.0.info';

describe('read cache across replicas (PostgreSQL)', () => {
  test('visibility, token and version changes on one replica reach the other', async () => {
    await a.createOwner('shared', 'public');
    await publish('shared');
    const secret = await createToken(a.url, ADMIN_TOKEN, 'shared', 'ci', ['read']);
    // Warm b's cache: owner, version, token.
    assert.equal(await status(b, 'shared', INFO), 200);
    assert.equal(await status(b, 'shared', INFO, basic(secret)), 200);
    await adminPut(a.url, ADMIN_TOKEN, '/owners/shared', { visibility: 'private' });
    await eventually(b, 'shared', INFO, 404);
    assert.equal(await status(b, 'shared', INFO, basic(secret)), 200, 'its own read token still reads');
    assert.equal((await fetch(`${a.url}/api/admin/owners/shared/tokens/ci`, { method: 'DELETE', headers: admin })).status, 204);
    await eventually(b, 'shared', INFO, 401, basic(secret));
    await adminPut(a.url, ADMIN_TOKEN, '/owners/shared', { visibility: 'public' });
    await eventually(b, 'shared', INFO, 200);
    assert.equal((await fetch(`${a.url}/api/packages/shared/go/example.com/m/@v/v1.0.0`, { method: 'DELETE', headers: admin })).status, 204);
    await eventually(b, 'shared', INFO, 404);
    await eventually(b, 'shared', 'example.com/m/@v/list', 404);
  });

  test('a grant revoked on one replica stops working on the other', async () => {
    await a.createOwner('granted', 'private');
    await publish('granted');
    await adminPut(a.url, ADMIN_TOKEN, '/owners/granted/grants/ci', { scopes: ['read'], oidc: { issuer: issuer.url, claims: { repository: 'acme/app' } } });
    const bearer = { Authorization: `Bearer ${await issuer.sign({ sub: 'ci', aud: 'go-registry', repository: 'acme/app' })}` };
    await eventually(b, 'granted', INFO, 200, bearer);
    assert.equal((await fetch(`${a.url}/api/admin/owners/granted/grants/ci`, { method: 'DELETE', headers: admin })).status, 204);
    assert.equal(await status(a, 'granted', INFO, bearer), 404, 'at once on the replica that revoked it');
    await eventually(b, 'granted', INFO, 404, bearer);
  });

  test('after its listening connection is cut, a replica still sees every change', async () => {
    await a.createOwner('cut', 'public');
    await publish('cut');
    assert.equal(await status(b, 'cut', INFO), 200);
    const client = new pg.Client(databaseUrl);
    await client.connect();
    try {
      const killed = await client.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
      );
      assert.equal(killed.rowCount, 2, 'both replicas were listening');
      // Changed while nobody listens: the notification is lost for good.
      await client.query(`UPDATE owners SET visibility = 'private' WHERE name = 'cut'`);
    } finally {
      await client.end();
    }
    await eventually(b, 'cut', INFO, 404);
    await eventually(a, 'cut', INFO, 404);
  });
});
