/**
 * The pull-through cache's trust: every file it stores is verified against a real
 * checksum database (x/mod's sumdb server, the reference peer, with a test key) whose
 * records the go command computed. Bytes the database does not vouch for are refused
 * and never stored; modules it does not know are refused unless UPSTREAM_NOSUMDB
 * exempts them; the database itself is proxied at /go/sumdb/<name>/, except for
 * claimed paths.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminPut } from '../support/admin-api.js';
import { goSumLines } from '../support/go-sums.js';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry } from '../support/in-process-registry.js';
import { tempDir } from '../support/paths.js';
import { sha256 } from '../support/served-state.js';
import { referenceKeygen, startReferenceSumdb, type ReferenceSumdb } from '../support/sumdb-reference.js';
import { startStaticGoproxy, type StaticGoproxy } from '../support/static-goproxy.js';

let upstream: StaticGoproxy;
let sumdb: ReferenceSumdb;
let reg: TestRegistry;
let vkey: string;
let cleanup: () => Promise<void>;

const mod = (path: string, version: string) => ({
  path, version, files: { 'go.mod': `module ${path}\n\ngo 1.21\n`, 'x.go': `package x\n\nconst V = "${version}"\n` },
});
const KNOWN = [mod('public.example/a', 'v1.0.0'), mod('public.example/a', 'v1.1.0'), mod('public.example/a', 'v1.2.0')];

before(async () => {
  const dir = await tempDir('pull-through-verify');
  cleanup = dir.remove;
  upstream = await startStaticGoproxy(dir.dir);
  for (const m of [...KNOWN, mod('unknown.example/b', 'v1.0.0'), mod('private.example/c', 'v1.0.0')]) await upstream.add(m);
  const keys = await referenceKeygen('sum.test.example');
  vkey = keys.vkey;
  const records = await goSumLines(upstream.url, KNOWN.map((m) => `${m.path}@${m.version}`));
  sumdb = await startReferenceSumdb({ skey: keys.skey, records });
  reg = await startTestRegistry({
    UPSTREAM_GOPROXY: upstream.url,
    UPSTREAM_SUMDB: `${vkey} ${sumdb.url}`,
    UPSTREAM_NOSUMDB: 'private.example',
  });
  await reg.createOwner('acme');
  await adminPut(reg.url, ADMIN_TOKEN, '/owners/acme', { visibility: 'public', claims: ['example.com/acme'] });
});
after(async () => {
  await reg?.stop();
  await sumdb?.stop();
  await upstream?.stop();
  await cleanup?.();
});

const get = async (path: string) => {
  const res = await fetch(`${reg.url}${path}`);
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, body, text: body.toString() };
};
const refusals = async () => Number(/^goregistry_cache_refusals_total (\d+)/m.exec(await (await fetch(`${reg.url}/metrics`)).text())?.[1] ?? 0);

describe('pull-through cache, verified', () => {
  test('files the checksum database vouches for are served', async () => {
    assert.equal((await get('/go/public.example/a/@v/v1.0.0.mod')).status, 200);
    const zip = await get('/go/public.example/a/@v/v1.0.0.zip');
    assert.equal(zip.status, 200, zip.text);
    const direct = Buffer.from(await (await fetch(`${upstream.url}/public.example/a/@v/v1.0.0.zip`)).arrayBuffer());
    assert.equal(sha256(zip.body), sha256(direct));
  });

  test('other bytes than the database’s are refused, logged as a refusal, never stored', async () => {
    const before = await refusals();
    upstream.misbehave('public.example/a', 'wrong-bytes');
    try {
      const modRes = await get('/go/public.example/a/@v/v1.1.0.mod');
      assert.equal(modRes.status, 502);
      assert.match(modRes.text, /refused: go.mod h1:\S+, the checksum database says h1:/);
      const zipRes = await get('/go/public.example/a/@v/v1.2.0.zip');
      assert.equal(zipRes.status, 502);
      assert.match(zipRes.text, /refused/);
    } finally {
      upstream.misbehave('public.example/a', undefined);
    }
    assert.ok((await refusals()) >= before + 2);
    // Nothing was stored: now the upstream sends the right bytes, and they are verified and served.
    assert.equal((await get('/go/public.example/a/@v/v1.1.0.mod')).status, 200);
    const zip = await get('/go/public.example/a/@v/v1.2.0.zip');
    assert.equal(zip.status, 200);
    const direct = Buffer.from(await (await fetch(`${upstream.url}/public.example/a/@v/v1.2.0.zip`)).arrayBuffer());
    assert.equal(sha256(zip.body), sha256(direct));
  });

  test('a module the database does not know is refused with what to do; UPSTREAM_NOSUMDB exempts a path', async () => {
    const unknown = await get('/go/unknown.example/b/@v/v1.0.0.info');
    assert.equal(unknown.status, 502);
    assert.match(unknown.text, /not in the checksum database sum.test.example; .* UPSTREAM_NOSUMDB/);
    assert.equal((await get('/go/private.example/c/@v/v1.0.0.zip')).status, 200, 'exempt: validated, not verified');
  });

  test('the database is proxied at /go/sumdb/<name>/, except lookups of claimed paths', async () => {
    assert.equal((await get('/go/sumdb/sum.test.example/supported')).status, 200);
    assert.equal((await get('/go/sumdb/sum.golang.org/supported')).status, 404, 'only the configured database');
    const lookup = await get('/go/sumdb/sum.test.example/lookup/public.example/a@v1.0.0');
    const direct = await (await fetch(`${sumdb.url}/lookup/public.example/a@v1.0.0`)).text();
    assert.equal(lookup.status, 200);
    assert.equal(lookup.text.split('\n\n')[0], direct.split('\n\n')[0], 'the same record');
    const tile = await get('/go/sumdb/sum.test.example/tile/8/0/000.p/3');
    assert.equal(tile.status, 200);
    const claimed = await get('/go/sumdb/sum.test.example/lookup/example.com/acme/lib@v1.0.0');
    assert.equal(claimed.status, 404);
    assert.match(claimed.text, /hosted by this registry and never looked up in sum.test.example: list its prefix in GONOSUMDB/);
  });
});
