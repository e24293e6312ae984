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

describe('cache admin: prefetch and evict', () => {
  const warm = (path: string, version: string) => ({ path, version, files: { 'go.mod': `module ${path}\n`, 'w.go': `package w\n\nconst V = "${version}"\n` } });
  const adminCall = async (method: string, path: string, body?: string, token = ADMIN_TOKEN) => {
    const res = await fetch(`${reg.url}/api/admin${path}`, { method, body, headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' } });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };
  type Prefetched = { fetched: number; cached: number; hosted: number; mismatch: number; invalid: number; failed: number; modules: { module: string; result: string; error?: string }[] };

  test('a go.sum warms the cache so the build works with the upstream gone; claimed paths are never asked', async () => {
    for (const [p, v] of [['warm.example/a', 'v1.0.0'], ['warm.example/a', 'v1.1.0'], ['warm.example/b', 'v0.1.0']] as const) await upstream.add(warm(p, v));
    const { goSumLines } = await import('../support/go-sums.js');
    const sums = await goSumLines(upstream.url, ['warm.example/a@v1.0.0', 'warm.example/b@v0.1.0']);
    const before = upstream.requests.length;
    const body = [
      sums.trimEnd(),
      'example.com/acme/squat v1.0.0 h1:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=',
      'warm.example/a v1.1.0 h1:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=',
      'NotAPath v1.0.0 h1:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=',
    ].join('\n');
    assert.equal((await adminCall('POST', '/cache/prefetch', body, 'not-the-admin-token')).status, 401);
    const res = await adminCall('POST', '/cache/prefetch', body);
    assert.equal(res.status, 200, res.text);
    const report = JSON.parse(res.text) as Prefetched;
    const result = (m: string) => report.modules.find((r) => r.module === m)?.result;
    assert.equal(result('warm.example/a@v1.0.0'), 'fetched');
    assert.equal(result('warm.example/b@v0.1.0'), 'fetched');
    assert.equal(result('example.com/acme/squat@v1.0.0'), 'hosted');
    assert.equal(result('warm.example/a@v1.1.0'), 'mismatch', 'the go.sum line names other bytes');
    assert.equal(result('NotAPath@v1.0.0'), 'invalid');
    assert.deepEqual([report.fetched, report.hosted, report.mismatch, report.invalid, report.failed], [2, 1, 1, 1, 0]);
    assert.equal(upstream.requests.slice(before).filter((r) => r.includes('acme')).length, 0, 'the claimed path was never asked');

    upstream.misbehave('warm.example', 'fail');
    try {
      for (const file of ['warm.example/a/@v/v1.0.0.zip', 'warm.example/b/@v/v0.1.0.mod', 'warm.example/b/@v/v0.1.0.zip']) {
        assert.equal((await get(`/go/${file}`)).status, 200, `${file} from the cache alone`);
      }
      const again = JSON.parse((await adminCall('POST', '/cache/prefetch', sums)).text) as Prefetched;
      assert.equal(again.cached, 2);
      assert.equal(again.fetched + again.failed, 0);

      const evicted = await adminCall('DELETE', '/cache/modules/warm.example/a?version=v1.0.0');
      assert.equal(evicted.status, 200, evicted.text);
      assert.deepEqual(JSON.parse(evicted.text), { evicted: ['v1.0.0'] });
      assert.equal((await get('/go/warm.example/a/@v/v1.0.0.zip')).status, 502, 'gone from the cache: asked the failing upstream');
      assert.equal((await get('/go/warm.example/b/@v/v0.1.0.zip')).status, 200, 'the other module stays');
    } finally {
      upstream.misbehave('warm.example', undefined);
    }
    const missing = await adminCall('DELETE', '/cache/modules/warm.example/a?version=v1.0.0');
    assert.equal(missing.status, 404);
    assert.match(missing.text, /not in the cache/);
    const whole = await adminCall('DELETE', '/cache/modules/warm.example/b');
    assert.deepEqual(JSON.parse(whole.text), { evicted: ['v0.1.0'] });
  });

  test('bad prefetch and evict input: a 4xx that names the problem', async () => {
    const cases: [string, string, string | undefined, number, RegExp][] = [
      ['POST', '/cache/prefetch', 'hello\n', 400, /no module versions/],
      ['POST', '/cache/prefetch', '', 400, /no module versions/],
      ['DELETE', '/cache/modules/Not%20a%20path', undefined, 400, /malformed module path/],
      ['DELETE', '/cache/modules/warm.example/a?version=1.0', undefined, 400, /not a semantic version/],
      ['DELETE', '/cache/modules/%E0%A4%A', undefined, 400, /percent-encoding/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const res = await adminCall(method, path, body);
      assert.equal(res.status, status, `${method} ${path}: ${res.text}`);
      assert.match(res.type, /^text\/plain/);
      assert.match(res.text, message);
    }
    const huge = await adminCall('POST', '/cache/prefetch', 'x'.repeat(5 * 1024 * 1024));
    assert.equal(huge.status, 413);
  });
});
