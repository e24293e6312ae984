/**
 * Client input that once broke the registry (a 500, or a module that stopped listing):
 * versions Go allows with numbers past 2^53 or longer than 256 characters, NUL bytes
 * and strings past PostgreSQL's limits. Every one is answered with a 2xx or a 4xx with
 * a text message, and nothing refused is stored — on PGlite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { makeModuleZip } from '../support/module-zips.js';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry } from '../support/in-process-registry.js';
import { startPostgres, type PostgresCluster } from '../support/postgres-cluster.js';
import { tempDir } from '../support/paths.js';

const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

for (const database of ['PGlite', 'PostgreSQL'] as const) {
  describe(`client input on ${database}`, () => {
    let reg: TestRegistry;
    let pgCluster: PostgresCluster | undefined;
    let dir: string;
    let removeDir: () => Promise<void>;
    before(async () => {
      ({ dir, remove: removeDir } = await tempDir('client-input'));
      const env: Record<string, string> = {};
      if (database === 'PostgreSQL') {
        pgCluster = await startPostgres();
        env.DATABASE_URL = await pgCluster.createDatabase('input');
      }
      reg = await startTestRegistry(env);
      await reg.createOwner('acme');
    });
    after(async () => {
      await reg?.stop();
      await pgCluster?.stop();
      await removeDir?.();
    });

    const get = (tail: string) => fetch(`${reg.url}/api/packages/acme/go/${tail}`);
    const upload = async (modulePath: string, version: string) => {
      const zip = await readFile(await makeModuleZip(dir, modulePath, version));
      return fetch(`${reg.url}/api/packages/acme/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: { Authorization: reg.auth } });
    };
    const expectClientError = async (res: Response, status: number, pattern: RegExp) => {
      const body = await res.text();
      assert.equal(res.status, status, body);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      assert.match(body, pattern);
    };

    test('versions with numbers of any length upload, list in Go order and answer @latest', async () => {
      for (const v of ['v1.99999999999999999999.0', 'v1.9007199254740993.0', 'v1.2.0', `v1.0.0-${'x'.repeat(300)}`]) {
        const res = await upload('example.com/big', v);
        assert.equal(res.status, 201, await res.text());
      }
      const list = await get('example.com/big/@v/list');
      assert.equal(list.status, 200);
      assert.deepEqual((await list.text()).trim().split('\n'), [
        `v1.0.0-${'x'.repeat(300)}`,
        'v1.2.0',
        'v1.9007199254740993.0',
        'v1.99999999999999999999.0',
      ]);
      const latest = await get('example.com/big/@latest');
      assert.equal(latest.status, 200);
      assert.equal(((await latest.json()) as { Version: string }).Version, 'v1.99999999999999999999.0');
      assert.equal((await get('example.com/big/@v/v1.99999999999999999999.0.info')).status, 200);
    });

    test('a module path or version too long to store is a 400 naming the limit; nothing is stored', async () => {
      const longPath = `example.com/${'a'.repeat(3000)}`;
      await expectClientError(await upload(longPath, 'v1.0.0'), 400, /module path is 3012 characters long; this registry stores paths of up to 1024/);
      await expectClientError(await upload('example.com/longv', `v1.0.0-${'1'.repeat(600)}`), 400, /version is 607 characters long/);
      assert.equal((await get(`${longPath}/@v/list`)).status, 404);
      assert.equal((await get('example.com/longv/@v/list')).status, 404);
      assert.deepEqual((await reg.storedFiles()).temp, [], 'no temp file left');
    });

    test('NUL bytes and malformed versions in a delete are a 400, never reach the database', async () => {
      assert.equal((await upload('example.com/keep', 'v1.0.0')).status, 201);
      const del = (path: string) => fetch(`${reg.url}${path}`, { method: 'DELETE', headers: admin });
      await expectClientError(await del('/api/v1/packages/acme/go/example.com%2Fkeep/v1.0.0%00'), 400, /not a semantic version/);
      await expectClientError(await del('/api/v1/packages/acme/go/example.com%2Fkeep/v1.0'), 400, /not canonical/);
      await expectClientError(await del('/api/v1/packages/acme/go/example.com%2Fkeep/%ff'), 404, /not found/);
      await expectClientError(await del('/api/packages/acme/go/example.com/keep/@v/v1.0.0%00'), 404, /not found/);
      await expectClientError(await del('/api/packages/acme/go/example.com/ke%00ep/@v/v1.0.0'), 404, /not found/);
      assert.equal((await get('example.com/keep/@v/v1.0.0.info')).status, 200, 'still there');
    });

    test('NUL bytes and control characters in admin input are a 400 naming the field', async () => {
      const put = (path: string, body: unknown) =>
        fetch(`${reg.url}/api/admin${path}`, { method: 'PUT', headers: { ...admin, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      await expectClientError(await put('/owners/nul', { visibility: 'public', managedBy: 'uid\u0000x' }), 400, /managedBy: must be printable text/);
      await expectClientError(await put('/owners/nul', { visibility: 'public', managedBy: 'a\ud800b' }), 400, /managedBy/);
      await expectClientError(await put('/owners/nu%00l', { visibility: 'public' }), 400, /invalid owner name/);
      const release = await fetch(`${reg.url}/api/admin/owners/acme/managed-by/x%00y`, { method: 'DELETE', headers: admin });
      await expectClientError(release, 400, /invalid managedBy id/);
      assert.equal((await fetch(`${reg.url}/api/admin/owners/nul`, { headers: admin })).status, 404, 'nothing was created');
    });
  });
}
