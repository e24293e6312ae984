/** Deleting versions: both paths, blob garbage, re-upload, authentication. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { makeModuleZip } from '../support/module-zips.js';
import { useTestRegistry } from '../support/in-process-registry.js';

const h = useTestRegistry('delete', { owners: ['acme', 'team-a', 'team-b'] });

const upload = (zip: Buffer, owner = 'acme') =>
  fetch(`${h.reg.url}/api/packages/${owner}/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: { Authorization: h.reg.auth } });
const del = (path: string, auth = h.reg.auth) => fetch(`${h.reg.url}${path}`, { method: 'DELETE', headers: { Authorization: auth } });
const info = (owner: string, tail: string) => fetch(`${h.reg.url}/api/packages/${owner}/go/${tail}`);

describe('delete', () => {
  test('GOPROXY-shaped path: 204, then 404; the blob goes; the version can be uploaded again', async () => {
    const zip = await readFile(await makeModuleZip(h.dir, 'example.com/Gone', 'v1.0.0'));
    assert.equal((await upload(zip)).status, 201);
    const before = await h.reg.storedFiles();
    assert.equal((await del('/api/packages/acme/go/example.com/!gone/@v/v1.0.0')).status, 204);
    assert.equal((await info('acme', 'example.com/!gone/@v/v1.0.0.info')).status, 404);
    const again = await del('/api/packages/acme/go/example.com/!gone/@v/v1.0.0');
    assert.equal(again.status, 404);
    assert.match(await again.text(), /not found/);
    const after = await h.reg.storedFiles();
    assert.equal(after.blobs.length, before.blobs.length - 1, 'the unreferenced blob was removed');
    assert.equal((await upload(zip)).status, 201, 're-upload after delete');
  });

  test("Gitea's API path with a URL-escaped module path", async () => {
    const zip = await readFile(await makeModuleZip(h.dir, 'example.com/gitea/path', 'v1.2.3'));
    assert.equal((await upload(zip)).status, 201);
    assert.equal((await del(`/api/v1/packages/acme/go/${encodeURIComponent('example.com/gitea/path')}/v1.2.3`)).status, 204);
    assert.equal((await info('acme', 'example.com/gitea/path/@v/v1.2.3.info')).status, 404);
    assert.equal((await del(`/api/v1/packages/acme/go/${encodeURIComponent('example.com/gitea/path')}/v1.2.3`)).status, 404);
  });

  test('identical zips share one blob, which stays until the last reference goes', async () => {
    const zip = await readFile(await makeModuleZip(h.dir, 'example.com/shared', 'v1.0.0'));
    const start = await h.reg.storedFiles();
    assert.equal((await upload(zip, 'team-a')).status, 201);
    assert.equal((await upload(zip, 'team-b')).status, 201);
    assert.equal((await h.reg.storedFiles()).blobs.length, start.blobs.length + 1, 'stored once');
    assert.equal((await del('/api/packages/team-a/go/example.com/shared/@v/v1.0.0')).status, 204);
    const zipRes = await info('team-b', 'example.com/shared/@v/v1.0.0.zip');
    assert.deepEqual(Buffer.from(await zipRes.arrayBuffer()), zip, 'still served for the other owner');
    assert.equal((await del('/api/packages/team-b/go/example.com/shared/@v/v1.0.0')).status, 204);
    assert.equal((await h.reg.storedFiles()).blobs.length, start.blobs.length);
  });

  test('needs the admin token', async () => {
    const zip = await readFile(await makeModuleZip(h.dir, 'example.com/kept', 'v1.0.0'));
    assert.equal((await upload(zip)).status, 201);
    const res = await fetch(`${h.reg.url}/api/packages/acme/go/example.com/kept/@v/v1.0.0`, { method: 'DELETE' });
    assert.equal(res.status, 401);
    assert.equal((await del('/api/packages/acme/go/example.com/kept/@v/v1.0.0', 'Bearer nope-nope-nope')).status, 401);
    assert.equal((await info('acme', 'example.com/kept/@v/v1.0.0.info')).status, 200);
  });
});
