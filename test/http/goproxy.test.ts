/** The GOPROXY read side over HTTP: list, info, mod, zip (ranges, caching), latest, encoding. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { makeModuleZip } from '../support/module-zips.js';
import { tempDir } from '../support/paths.js';
import { startTestRegistry, type TestRegistry } from '../support/in-process-registry.js';

let reg: TestRegistry;
let dir: string;
let cleanup: () => Promise<void>;
const PSEUDO = 'v0.0.0-20240101000000-abcdefabcdef';
let zipBytes: Buffer;

const proxy = (tail: string) => `${reg.url}/api/packages/acme/go/${tail}`;

async function upload(modulePath: string, version: string, files?: Record<string, string>): Promise<Buffer> {
  const zip = await readFile(await makeModuleZip(dir, modulePath, version, files));
  const res = await fetch(`${reg.url}/api/packages/acme/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: { Authorization: reg.auth } });
  assert.equal(res.status, 201, await res.text());
  return zip;
}

before(async () => {
  reg = await startTestRegistry();
  ({ dir, remove: cleanup } = await tempDir('goproxy'));
  await reg.createOwner('acme');
  // Uploaded out of order on purpose: @latest must not be "the newest upload".
  zipBytes = await upload('example.com/lib', 'v1.10.0');
  await upload('example.com/lib', 'v1.2.0');
  await upload('example.com/lib', 'v2.0.0+incompatible', { 'lib.go': 'package lib\n' });
  await upload('example.com/lib', 'v1.11.0-rc.1');
  await upload('example.com/lib', PSEUDO);
  await upload('example.com/pre', 'v0.2.0-beta.1');
  await upload('example.com/pre', 'v0.2.0-alpha');
  await upload('example.com/pseudo', PSEUDO);
  await upload('example.com/Upper/Lib', 'v1.0.0-RC1', { 'go.mod': 'module example.com/Upper/Lib\n', 'Lib.go': 'package lib\n' });
  await upload('example.com/nomod', 'v1.0.0', { 'a.go': 'package nomod\n' });
});
after(async () => {
  await reg.stop();
  await cleanup();
});

describe('GOPROXY protocol', () => {
  test('@v/list: semver order, newline-terminated, no pseudo-versions', async () => {
    const res = await fetch(proxy('example.com/lib/@v/list'));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await res.text(), 'v1.2.0\nv1.10.0\nv1.11.0-rc.1\nv2.0.0+incompatible\n');
    assert.equal(await (await fetch(proxy('example.com/pseudo/@v/list'))).text(), '');
  });

  test('.info: canonical version and upload time', async () => {
    const res = await fetch(proxy('example.com/lib/@v/v1.10.0.info'));
    assert.equal(res.status, 200);
    const info = (await res.json()) as { Version: string; Time: string };
    assert.equal(info.Version, 'v1.10.0');
    assert.ok(Math.abs(Date.parse(info.Time) - Date.now()) < 120_000, info.Time);
    assert.match(info.Time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  test('.info and @latest: JSON with a Content-Length matching the body, on GET and HEAD, the same on every read', async () => {
    for (const p of ['example.com/lib/@v/v1.10.0.info', 'example.com/lib/@latest']) {
      const first = await fetch(proxy(p));
      const body = Buffer.from(await first.arrayBuffer());
      assert.equal(first.headers.get('content-type'), 'application/json; charset=utf-8', p);
      assert.equal(first.headers.get('content-length'), String(body.length), p);
      assert.ok(JSON.parse(body.toString('utf8')).Version, p);
      // Served again (from the cached answer): the same bytes.
      assert.deepEqual(Buffer.from(await (await fetch(proxy(p))).arrayBuffer()), body, p);
      const head = await fetch(proxy(p), { method: 'HEAD' });
      assert.equal(head.headers.get('content-length'), String(body.length), p);
      assert.equal(head.headers.get('content-type'), 'application/json; charset=utf-8', p);
    }
  });

  test('.mod: stored bytes, or a synthesized module line when the zip has none', async () => {
    assert.equal(await (await fetch(proxy('example.com/lib/@v/v1.10.0.mod'))).text(), 'module example.com/lib\n\ngo 1.21\n');
    assert.equal(await (await fetch(proxy('example.com/nomod/@v/v1.0.0.mod'))).text(), 'module example.com/nomod\n');
  });

  test('.zip: the uploaded bytes with length, strong ETag, immutable caching', async () => {
    const res = await fetch(proxy('example.com/lib/@v/v1.10.0.zip'));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/zip');
    assert.equal(res.headers.get('content-length'), String(zipBytes.length));
    assert.match(res.headers.get('etag') ?? '', /^"[0-9a-f]{64}"$/);
    assert.match(res.headers.get('cache-control') ?? '', /immutable/);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), zipBytes);
  });

  test('.zip: ranges, conditional requests and HEAD', async () => {
    const url = proxy('example.com/lib/@v/v1.10.0.zip');
    const etag = (await fetch(url, { method: 'HEAD' })).headers.get('etag')!;
    const partial = await fetch(url, { headers: { Range: 'bytes=10-19' } });
    assert.equal(partial.status, 206);
    assert.equal(partial.headers.get('content-range'), `bytes 10-19/${zipBytes.length}`);
    assert.deepEqual(Buffer.from(await partial.arrayBuffer()), zipBytes.subarray(10, 20));
    const suffix = await fetch(url, { headers: { Range: 'bytes=-5' } });
    assert.deepEqual(Buffer.from(await suffix.arrayBuffer()), zipBytes.subarray(-5));
    const beyond = await fetch(url, { headers: { Range: `bytes=${zipBytes.length + 10}-` } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${zipBytes.length}`);
    await beyond.text();
    const stale = await fetch(url, { headers: { Range: 'bytes=0-0', 'If-Range': '"something-else"' } });
    assert.equal(stale.status, 200);
    await stale.arrayBuffer();
    const notModified = await fetch(url, { headers: { 'If-None-Match': `"other", ${etag}` } });
    assert.equal(notModified.status, 304);
    const modTag = (await fetch(proxy('example.com/lib/@v/v1.10.0.mod'), { method: 'HEAD' })).headers.get('etag')!;
    assert.equal((await fetch(proxy('example.com/lib/@v/v1.10.0.mod'), { headers: { 'If-None-Match': modTag } })).status, 304);
    const head = await fetch(url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(zipBytes.length));
    assert.equal((await head.arrayBuffer()).byteLength, 0);
  });

  test('@latest: highest release, not the newest upload', async () => {
    const latest = (await (await fetch(proxy('example.com/lib/@latest'))).json()) as { Version: string };
    assert.equal(latest.Version, 'v2.0.0+incompatible');
  });

  test('@latest: highest pre-release without releases; pseudo-version as a last resort', async () => {
    assert.equal(((await (await fetch(proxy('example.com/pre/@latest'))).json()) as { Version: string }).Version, 'v0.2.0-beta.1');
    assert.equal(((await (await fetch(proxy('example.com/pseudo/@latest'))).json()) as { Version: string }).Version, PSEUDO);
  });

  test('uppercase module paths and versions arrive case-encoded, "!" possibly percent-encoded', async () => {
    assert.equal(await (await fetch(proxy('example.com/!upper/!lib/@v/list'))).text(), 'v1.0.0-RC1\n');
    const info = await fetch(proxy('example.com/%21upper/%21lib/@v/v1.0.0-%21r%21c1.info'));
    assert.equal(info.status, 200);
    assert.equal(((await info.json()) as { Version: string }).Version, 'v1.0.0-RC1');
  });

  test('unknown or malformed requests are 404 text/plain, never 5xx', async () => {
    for (const tail of [
      'example.com/Upper/Lib/@v/list', // not case-encoded: go never sends it
      'example.com/!upper/!lib/@v/v1.0.0-RC1.info',
      'example.com/!/@v/list',
      'example.com/missing/@v/list',
      'example.com/missing/@latest',
      'example.com/lib/@v/v9.9.9.info',
      'example.com/lib/@v/v9.9.9.zip',
      'example.com/lib/@v/latest.info',
      'example.com/lib/@v/v1.10.0.tar',
      'example.com/@v/list',
      'example.com/lib/v2/@v/list',
      'sumdb/sum.golang.org/supported',
      'example.com/lib/%zz/@v/list',
      'nodot/@v/list',
    ]) {
      const res = await fetch(proxy(tail));
      assert.equal(res.status, 404, tail);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/, tail);
      assert.ok((await res.text()).length > 0);
    }
    assert.equal((await fetch(`${reg.url}/api/packages/UPPER/go/example.com/lib/@v/list`)).status, 404);
    assert.equal((await fetch(`${reg.url}/api/packages/nobody/go/example.com/lib/@v/list`)).status, 404);
  });

  test('health and readiness', async () => {
    assert.equal((await fetch(`${reg.url}/healthz`)).status, 200);
    const ready = await fetch(`${reg.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(await ready.text(), 'ok\n');
  });
});
