/**
 * The pull-through cache against a real upstream GOPROXY on loopback that records every
 * request and misbehaves on demand: files fetched once and then served from storage,
 * concurrent misses make one upstream fetch, answers survive the upstream going away,
 * failures and timeouts are a 502 and a 504 (never a 500, never a hang), not-found is
 * remembered, and claimed paths never reach the upstream. (Checksum verification has its
 * own suite, against a real checksum database.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminPut } from '../support/admin-api.js';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry } from '../support/in-process-registry.js';
import { tempDir } from '../support/paths.js';
import { sha256 } from '../support/served-state.js';
import { startStaticGoproxy, type StaticGoproxy } from '../support/static-goproxy.js';

let upstream: StaticGoproxy;
let reg: TestRegistry;
let cleanup: () => Promise<void>;

const lib = (version: string) => ({
  path: 'public.example/lib',
  version,
  files: { 'go.mod': 'module public.example/lib\n\ngo 1.21\n', 'lib.go': `package lib\n\nconst V = "${version}"\n` },
});

before(async () => {
  const dir = await tempDir('pull-through');
  cleanup = dir.remove;
  upstream = await startStaticGoproxy(dir.dir);
  for (const v of ['v1.0.0', 'v1.1.0', 'v1.2.0', 'v1.3.0']) await upstream.add(lib(v));
  await upstream.add({ path: 'slow.example/m', version: 'v1.0.0', files: { 'go.mod': 'module slow.example/m\n' } });
  await upstream.add({ path: 'example.com/acme/squat', version: 'v9.0.0', files: { 'go.mod': 'module example.com/acme/squat\n' } });
  reg = await startTestRegistry({ UPSTREAM_GOPROXY: upstream.url, UPSTREAM_SUMDB: 'off', UPSTREAM_TIMEOUT_SECONDS: '1', UPSTREAM_LIST_TTL_SECONDS: '0' });
  await reg.createOwner('acme');
  await adminPut(reg.url, ADMIN_TOKEN, '/owners/acme', { visibility: 'public', claims: ['example.com/acme'] });
});
after(async () => {
  await reg?.stop();
  await upstream?.stop();
  await cleanup?.();
});

const get = async (path: string) => {
  const started = performance.now();
  const res = await fetch(`${reg.url}${path}`);
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, body, text: body.toString(), type: res.headers.get('content-type') ?? '', ms: performance.now() - started };
};
const upstreamRequests = (fragment: string) => upstream.requests.filter((r) => r.includes(fragment)).length;

describe('pull-through cache', () => {
  test('a public module through /go: list, info, mod, zip; each file fetched from the upstream once', async () => {
    const list = await get('/go/public.example/lib/@v/list');
    assert.equal(list.text, 'v1.0.0\nv1.1.0\nv1.2.0\nv1.3.0\n');
    const direct = Buffer.from(await (await fetch(`${upstream.url}/public.example/lib/@v/v1.0.0.zip`)).arrayBuffer());
    for (let i = 0; i < 3; i++) {
      const info = await get('/go/public.example/lib/@v/v1.0.0.info');
      assert.equal(info.status, 200);
      assert.equal((JSON.parse(info.text) as { Version: string }).Version, 'v1.0.0');
      assert.equal((await get('/go/public.example/lib/@v/v1.0.0.mod')).text, 'module public.example/lib\n\ngo 1.21\n');
      const zip = await get('/go/public.example/lib/@v/v1.0.0.zip');
      assert.equal(zip.status, 200);
      assert.equal(zip.type, 'application/zip');
      assert.equal(sha256(zip.body), sha256(direct), 'the upstream bytes');
    }
    assert.equal(upstreamRequests('lib/@v/v1.0.0.info'), 1);
    assert.equal(upstreamRequests('lib/@v/v1.0.0.mod'), 1);
    assert.equal(upstreamRequests('lib/@v/v1.0.0.zip'), 2, 'once by the cache, once by this test');
  });

  test('concurrent misses for one zip make one upstream fetch', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, () => get('/go/public.example/lib/@v/v1.1.0.zip')));
    assert.ok(answers.every((a) => a.status === 200));
    assert.equal(new Set(answers.map((a) => sha256(a.body))).size, 1);
    assert.equal(upstreamRequests('lib/@v/v1.1.0.zip'), 1);
    assert.equal(upstreamRequests('lib/@v/v1.1.0.info'), 1);
  });

  test('an upstream that fails: 502 with a message; stored files and a stale list are still served', async () => {
    upstream.misbehave('public.example/lib', 'fail');
    try {
      const list = await get('/go/public.example/lib/@v/list');
      assert.equal(list.status, 200, 'the last list, stale');
      assert.equal((await get('/go/public.example/lib/@v/v1.0.0.zip')).status, 200, 'stored');
      const miss = await get('/go/public.example/lib/@v/v1.2.0.info');
      assert.equal(miss.status, 502);
      assert.match(miss.type, /^text\/plain/);
      assert.match(miss.text, /500 upstream is broken/);
    } finally {
      upstream.misbehave('public.example/lib', undefined);
    }
    assert.equal((await get('/go/public.example/lib/@v/v1.2.0.info')).status, 200, 'failures are not remembered');
  });

  test('a truncated zip is refused (502), nothing is stored, the next try succeeds', async () => {
    upstream.misbehave('public.example/lib', 'truncate');
    try {
      assert.equal((await get('/go/public.example/lib/@v/v1.3.0.zip')).status, 502);
    } finally {
      upstream.misbehave('public.example/lib', undefined);
    }
    const zip = await get('/go/public.example/lib/@v/v1.3.0.zip');
    assert.equal(zip.status, 200);
    assert.deepEqual((await reg.storedFiles()).temp, [], 'no temp file left');
  });

  test('a hung upstream: 504 within the timeout, not a hang', async () => {
    upstream.misbehave('slow.example', 'slow', 5000);
    try {
      const res = await get('/go/slow.example/m/@v/v1.0.0.info');
      assert.equal(res.status, 504);
      assert.match(res.text, /no answer in time/);
      assert.ok(res.ms < 4000, `answered in ${res.ms.toFixed(0)} ms (UPSTREAM_TIMEOUT_SECONDS=1)`);
    } finally {
      upstream.misbehave('slow.example', undefined);
    }
  });

  test('not found upstream: 404 (go moves on), remembered for a while', async () => {
    const first = await get('/go/missing.example/x/@v/list');
    assert.equal(first.status, 404);
    await get('/go/missing.example/x/@v/list');
    assert.equal(upstreamRequests('missing.example/x/@v/list'), 1, 'the second answer came from memory');
  });

  test('claimed paths never reach the upstream, even when it serves them', async () => {
    for (const p of ['/go/example.com/acme/squat/@v/list', '/go/example.com/acme/squat/@v/v9.0.0.info', '/go/example.com/acme/squat/@v/v9.0.0.zip']) {
      const res = await get(p);
      assert.equal(res.status, 403, p);
    }
    assert.equal(upstreamRequests('example.com/acme'), 0, 'the upstream never heard of the claimed path');
  });

  test("an owner's endpoint falls through to the cache only when the owner says so", async () => {
    await reg.createOwner('team');
    assert.equal((await get('/api/packages/team/go/public.example/lib/@v/list')).status, 404, 'off by default: the seeds’ contract');
    await adminPut(reg.url, ADMIN_TOKEN, '/owners/team', { visibility: 'public', upstream: true });
    const list = await get('/api/packages/team/go/public.example/lib/@v/list');
    assert.equal(list.status, 200);
    assert.equal((await get('/api/packages/team/go/example.com/acme/squat/@v/list')).status, 403, 'claims hold there too');
  });
});
