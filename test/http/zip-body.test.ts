/**
 * Zips are sent from memory when small and streamed from disk when large: both give
 * the same bytes, lengths and ranges.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { ADMIN_TOKEN, useTestRegistry } from '../support/in-process-registry.js';
import { makeModuleZip } from '../support/module-zips.js';

const h = useTestRegistry('zip-body', { owners: ['acme'] });
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

async function publish(modulePath: string, payload: Buffer): Promise<Buffer> {
  const zip = await readFile(await makeModuleZip(h.dir, modulePath, 'v1.0.0', { 'go.mod': `module ${modulePath}\n`, 'data.bin': payload }));
  const res = await fetch(`${h.reg.url}/api/packages/acme/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: admin });
  assert.equal(res.status, 201, await res.text());
  return zip;
}

describe('zip bodies', () => {
  for (const [name, size] of [['small', 40_000], ['large (streamed)', 3 * 1024 * 1024]] as const) {
    test(`${name}: whole, ranges, HEAD`, async () => {
      // Random bytes: deflate cannot shrink them, so the zip is about `size` bytes.
      const modulePath = `example.com/${name.split(' ')[0]}`;
      const zip = await publish(modulePath, randomBytes(size));
      const url = `${h.reg.url}/api/packages/acme/go/${modulePath}/@v/v1.0.0.zip`;
      const whole = await fetch(url);
      assert.equal(whole.status, 200);
      assert.equal(whole.headers.get('content-length'), String(zip.length));
      assert.deepEqual(Buffer.from(await whole.arrayBuffer()), zip);
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
});
