/**
 * Zips are sent from memory when small (from the zip cache, or read whole without it)
 * and streamed from disk when large: every way gives the same bytes, lengths
 * and ranges, and a download that stops early lets go of what it held.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createHash } from 'node:crypto';
import { readdir, readFile, readlink, truncate } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ADMIN_TOKEN, useTestRegistry, type RegistryFixture } from '../support/in-process-registry.js';
import { makeModuleZip } from '../support/module-zips.js';

const cached = useTestRegistry('zip-body', { owners: ['acme'] });
const uncached = useTestRegistry('zip-body-nocache', { owners: ['acme'], env: { ZIP_CACHE_MB: '0' } });
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function publish(h: RegistryFixture, modulePath: string, payload: Buffer): Promise<Buffer> {
  const zip = await readFile(await makeModuleZip(h.dir, modulePath, 'v1.0.0', { 'go.mod': `module ${modulePath}\n`, 'data.bin': payload }));
  const res = await fetch(`${h.reg.url}/api/packages/acme/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: admin });
  assert.equal(res.status, 201, await res.text());
  return zip;
}

for (const [mode, h] of [['with the zip cache', cached], ['without it', uncached]] as const) describe(`zip bodies, ${mode}`, () => {
  for (const [name, size] of [['small', 40_000], ['large (streamed)', 3 * 1024 * 1024]] as const) {
    test(`${name}: whole, ranges, HEAD, and again`, async () => {
      // Random bytes: deflate cannot shrink them, so the zip is about `size` bytes.
      const modulePath = `example.com/${name.split(' ')[0]}`;
      const zip = await publish(h, modulePath, randomBytes(size));
      const url = `${h.reg.url}/api/packages/acme/go/${modulePath}/@v/v1.0.0.zip`;
      for (let i = 0; i < 2; i++) {
        // The second time from what the first left in memory or open.
        const whole = await fetch(url);
        assert.equal(whole.status, 200);
        assert.equal(whole.headers.get('content-length'), String(zip.length));
        assert.deepEqual(Buffer.from(await whole.arrayBuffer()), zip);
      }
      for (const [start, end] of [[0, 0], [10, 1000], [zip.length - 100, zip.length - 1]] as const) {
        const part = await fetch(url, { headers: { Range: `bytes=${start}-${end}` } });
        assert.equal(part.status, 206);
        assert.equal(part.headers.get('content-range'), `bytes ${start}-${end}/${zip.length}`);
        assert.deepEqual(Buffer.from(await part.arrayBuffer()), zip.subarray(start, end + 1));
      }
      const head = await fetch(url, { method: 'HEAD' });
      assert.equal(head.headers.get('content-length'), String(zip.length));
    });
  }

  test('many concurrent downloads of different small zips, some aborted, each get their own bytes', async () => {
    // 200 KiB – 1 MiB: shared from the cache, or each read whole without it.
    const sizes = [200_000, 500_000, 900_000, 1_000_000];
    const zips = await Promise.all(sizes.map((size, i) => publish(h, `example.com/reuse${i}`, randomBytes(size - 2_000))));
    const want = zips.map((z) => { assert.ok(z.length <= 1024 * 1024); return digest(z); });
    const one = async (n: number) => {
      const i = n % zips.length;
      const url = `${h.reg.url}/api/packages/acme/go/example.com/reuse${i}/@v/v1.0.0.zip`;
      if (n % 5 === 4) {
        // Aborted after the first bytes: the other downloads must still get their own bytes.
        const ctl = new AbortController();
        const res = await fetch(url, { signal: ctl.signal });
        const reader = res.body!.getReader();
        await reader.read();
        ctl.abort();
        await reader.read().catch(() => {});
        return;
      }
      const res = await fetch(url);
      assert.equal(digest(Buffer.from(await res.arrayBuffer())), want[i], `download ${n} of reuse${i}`);
    };
    for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: 40 }, (_, n) => one(n + round)));
  });
});

/** Descriptors of this process (the in-process registry) open on the blob of `zip`. */
async function openDescriptors(h: RegistryFixture, zip: Buffer): Promise<number> {
  const sha = digest(zip);
  const file = path.join(h.reg.dataDir, 'storage', 'blobs', 'sha256', sha.slice(0, 2), sha);
  let n = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target === file || target === `${file} (deleted)`) n++;
  }
  return n;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(what);
}

/** A download that ended lets go of its blob; one that still held it (a leak) would keep it open past the delete. */
async function deleteAndSeeClosed(h: RegistryFixture, modulePath: string, zip: Buffer): Promise<void> {
  const res = await fetch(`${h.reg.url}/api/packages/acme/go/${modulePath}/@v/v1.0.0`, { method: 'DELETE', headers: admin });
  assert.ok(res.ok, `delete: ${res.status}`);
  await until(async () => (await openDescriptors(h, zip)) === 0, 'the deleted blob is still open: a download did not let go of it');
}

describe('large zip downloads that do not finish', () => {
  const h = cached;
  test('a client going away mid-download: the registry keeps serving, and the download lets go of the blob', async () => {
    const zip = await publish(h, 'example.com/abandoned', randomBytes(8 * 1024 * 1024));
    const url = `${h.reg.url}/api/packages/acme/go/example.com/abandoned/@v/v1.0.0.zip`;
    const abort = new AbortController();
    const res = await fetch(url, { signal: abort.signal });
    const reader = res.body!.getReader();
    await reader.read();
    abort.abort();
    const again = await fetch(url);
    assert.deepEqual(Buffer.from(await again.arrayBuffer()), zip);
    await deleteAndSeeClosed(h, 'example.com/abandoned', zip);
  });

  test('a blob shorter on disk than recorded: the connection is cut, never padded or left hanging', async () => {
    const zip = await publish(h, 'example.com/truncated', randomBytes(3 * 1024 * 1024));
    await truncate(path.join(h.reg.dataDir, 'storage', 'blobs', 'sha256', digest(zip).slice(0, 2), digest(zip)), zip.length - 1000);
    const res = await fetch(`${h.reg.url}/api/packages/acme/go/example.com/truncated/@v/v1.0.0.zip`);
    assert.equal(res.headers.get('content-length'), String(zip.length));
    await assert.rejects(res.arrayBuffer());
    assert.equal((await fetch(`${h.reg.url}/api/packages/acme/go/example.com/truncated/@v/list`)).status, 200);
    await deleteAndSeeClosed(h, 'example.com/truncated', zip);
  });
});
