/**
 * The registry's checksum database at the HTTP edge and across restarts (in-process, on
 * PGlite): the verifier key published without credentials, `supported` under every GOPROXY
 * endpoint, bad lookups and tiles answered 4xx, the signing key kept across restarts, and
 * the start refused — with what to do — when the database was restored from an older
 * backup than the tree clients were served, or another key signed the log.
 */
import assert from 'node:assert/strict';
import { cp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../registry/config/config.js';
import { generateKey } from '../../registry/domain/sumdb/note.js';
import { createLogger } from '../../registry/logger.js';
import { startRegistry, type RunningRegistry } from '../../registry/server.js';
import { createOwner } from '../support/admin-api.js';
import { makeModuleZip } from '../support/module-zips.js';
import { tempDir } from '../support/paths.js';
import { leanFromEnv } from '../support/in-process-registry.js';

const ADMIN = 'checksum-db-admin-token-0123456789';
let dir: string;
let remove: () => Promise<void>;

before(async () => ({ dir, remove } = await tempDir('checksum-db')));
after(() => remove?.());

const start = (dataDir: string, env: Record<string, string> = {}) =>
  startRegistry(
    loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, REGISTRY_ADMIN_TOKEN: ADMIN, UPSTREAM_GOPROXY: 'off', ...leanFromEnv(), ...env }),
    createLogger('silent'),
  );
const upload = async (url: string, owner: string, zip: string) =>
  (await fetch(`${url}/api/packages/${owner}/go/upload`, { method: 'PUT', body: await readFile(zip), headers: { authorization: `Bearer ${ADMIN}` } })).status;
const text = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text(), cache: res.headers.get('cache-control') ?? '' };
};

describe('the checksum database over HTTP', () => {
  let reg: RunningRegistry;
  const data = () => path.join(dir, 'edge');
  before(async () => {
    reg = await start(data());
    await createOwner(reg.url, ADMIN, 'acme');
    assert.equal(await upload(reg.url, 'acme', await makeModuleZip(dir, 'example.com/acme/lib', 'v1.0.0')), 201);
  });
  after(() => reg?.close());

  test('the verifier key is public text; supported answers under every GOPROXY endpoint', async () => {
    const key = await text(`${reg.url}/api/sumdb/key`);
    assert.equal(key.status, 200);
    assert.match(key.type, /^text\/plain/);
    assert.match(key.body, /^go-registry\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*\n$/);
    for (const base of [`${reg.url}/go`, `${reg.url}/api/packages/acme/go`, `${reg.url}/api/packages/nobody/go`, `${reg.url}`]) {
      assert.equal((await text(`${base}/sumdb/go-registry/supported`)).status, 200, base);
    }
    const latest = await text(`${reg.url}/sumdb/go-registry/latest`);
    assert.match(latest.body, /^go\.sum database tree\n1\n\S+\n\n— go-registry \S+\n$/);
    assert.match(latest.cache, /no-cache/);
    const lookup = await text(`${reg.url}/go/sumdb/go-registry/lookup/example.com/acme/lib@v1.0.0`);
    assert.equal(lookup.status, 200);
    assert.match(lookup.body, /^0\nexample\.com\/acme\/lib v1\.0\.0 h1:/);
  });

  test('bad lookups and tiles: a 4xx with a message', async () => {
    const cases: [string, number, RegExp][] = [
      ['/sumdb/go-registry/lookup/example.com/acme/lib@v1.0', 400, /not a semantic version|canonical|invalid/],
      ['/sumdb/go-registry/lookup/Example.com/acme/lib@v1.0.0', 400, /invalid module@version/],
      ['/sumdb/go-registry/lookup/example.com/acme/lib@v1.9.9', 404, /not found in this registry's checksum database/],
      ['/sumdb/go-registry/tile/8/0/x001', 400, /malformed tile path/],
      ['/sumdb/go-registry/tile/8/0/000', 404, /beyond the checksum database's newest tree/],
      ['/sumdb/go-registry/tile/8/0/000.p/2', 404, /beyond/],
      ['/sumdb/go-registry/tile/4/0/000.p/1', 404, /beyond|not found/],
      ['/sumdb/sum.golang.org/latest', 404, /this registry's checksum database is go-registry/],
      ['/sumdb/go-registry/nothing', 404, /not found/],
    ];
    for (const [p, status, message] of cases) {
      const res = await text(`${reg.url}${p}`);
      assert.equal(res.status, status, `${p}: ${res.body}`);
      assert.match(res.type, /^text\/plain/, p);
      assert.match(res.body, message, p);
    }
    const tile = await fetch(`${reg.url}/sumdb/go-registry/tile/8/0/000.p/1`);
    assert.equal(tile.status, 200);
    assert.equal((await tile.arrayBuffer()).byteLength, 32);
    assert.match(tile.headers.get('cache-control') ?? '', /no-cache/, 'a partial tile is not immutable');
  });
});

describe('the checksum database across restarts', () => {
  test('the generated key is kept; an older database than the served tree is refused, then accepted once its witness is removed', async () => {
    const data = path.join(dir, 'restore');
    let reg = await start(data);
    await createOwner(reg.url, ADMIN, 'acme');
    assert.equal(await upload(reg.url, 'acme', await makeModuleZip(dir, 'example.com/acme/a', 'v1.0.0')), 201);
    const key = (await text(`${reg.url}/api/sumdb/key`)).body;
    await reg.close();
    await cp(path.join(data, 'pglite'), path.join(dir, 'backup'), { recursive: true });

    reg = await start(data);
    assert.equal((await text(`${reg.url}/api/sumdb/key`)).body, key, 'the same key after a restart');
    assert.equal(await upload(reg.url, 'acme', await makeModuleZip(dir, 'example.com/acme/a', 'v1.1.0')), 201);
    assert.match((await text(`${reg.url}/sumdb/go-registry/latest`)).body, /^go\.sum database tree\n2\n/, 'clients saw the tree of 2');
    await reg.close();

    await rm(path.join(data, 'pglite'), { recursive: true });
    await cp(path.join(dir, 'backup'), path.join(data, 'pglite'), { recursive: true });
    await assert.rejects(start(data), (err: Error) => {
      assert.equal(err.name, 'ChecksumLogMismatch');
      assert.match(err.message, /holds a checksum log of 1 records, but this registry served a tree of 2 records .*restored from an older backup.*Restore the newest backup/);
      return true;
    });
    await rm(path.join(data, 'sumdb-served-head'));
    reg = await start(data);
    assert.match((await text(`${reg.url}/sumdb/go-registry/latest`)).body, /^go\.sum database tree\n1\n/);
    await reg.close();
  });

  test('a log signed by another key is refused; a key for another name is a configuration error', async () => {
    const data = path.join(dir, 'rekey');
    const reg = await start(data);
    await reg.close();
    await assert.rejects(start(data, { SUMDB_SIGNING_KEY: generateKey('go-registry').skey }), /is not signed by go-registry\+.*every replica needs the same SUMDB_SIGNING_KEY/);
    await assert.rejects(start(data, { SUMDB_SIGNING_KEY: generateKey('other.example').skey }), /the key is for the database "other\.example", but SUMDB_NAME is "go-registry"/);
    await assert.rejects(start(data, { SUMDB_SIGNING_KEY: 'PRIVATE+KEY+nonsense' }), /not a checksum database signing key/);
  });
});
