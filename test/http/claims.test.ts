/**
 * Module-path claims: set through the admin API, never overlapping, never taking another
 * owner's modules; under a claim only its owner publishes, and a miss is a 403 that
 * stops the go command's `,` chain — the same answer for a missing module, a hidden owner
 * and a missing owner. The registry-wide endpoint /go serves claimed paths from their owner.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { adminPut, createToken } from '../support/admin-api.js';
import { ADMIN_TOKEN, useTestRegistry } from '../support/in-process-registry.js';
import { makeModuleZip } from '../support/module-zips.js';

const h = useTestRegistry('claims', { owners: ['acme', 'other'] });
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const basic = (secret: string) => ({ Authorization: 'Basic ' + Buffer.from(`u:${secret}`).toString('base64') });

const putOwner = (name: string, body: unknown) =>
  fetch(`${h.reg.url}/api/admin/owners/${name}`, { method: 'PUT', headers: { ...admin, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const upload = async (owner: string, modulePath: string, version = 'v1.0.0', headers: Record<string, string> = { Authorization: h.reg.auth }) => {
  const zip = await readFile(await makeModuleZip(h.dir, modulePath, version));
  return fetch(`${h.reg.url}/api/packages/${owner}/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers });
};
const get = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${h.reg.url}${path}`, { headers });
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
};

describe('claims', () => {
  test('set, shown, replaced; invalid, overlapping and duplicate claims are refused with the reason', async () => {
    const res = await putOwner('acme', { visibility: 'public', claims: ['example.com/acme', 'corp.example/acme'] });
    assert.equal(res.status, 200, await res.text());
    const view = (await (await fetch(`${h.reg.url}/api/admin/owners/acme`, { headers: admin })).json()) as { claims: string[]; upstream: boolean };
    assert.deepEqual(view.claims, ['corp.example/acme', 'example.com/acme']);
    assert.equal(view.upstream, false);
    const overlap = await putOwner('other', { visibility: 'public', claims: ['example.com/acme/tools'] });
    assert.equal(overlap.status, 409);
    assert.match(await overlap.text(), /claim "example.com\/acme\/tools" overlaps "example.com\/acme", claimed by owner acme/);
    const wider = await putOwner('other', { visibility: 'public', claims: ['example.com'] });
    assert.equal(wider.status, 409, 'a wider prefix overlaps too');
    const bad = await putOwner('other', { visibility: 'public', claims: ['not a path'] });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /invalid claim "not a path"/);
    const self = await putOwner('other', { visibility: 'public', claims: ['b.example/x', 'b.example/x/y'] });
    assert.equal(self.status, 400);
    assert.match(await self.text(), /overlap/);
    assert.equal((await putOwner('other', { visibility: 'public', claims: ['example.com/acmeish'] })).status, 200, 'path-element boundaries: acmeish is not under acme');
  });

  test('a claim that would take another owner’s hosted module is a conflict', async () => {
    assert.equal((await upload('other', 'hosted.example/lib')).status, 201);
    const res = await putOwner('acme', { visibility: 'public', claims: ['example.com/acme', 'corp.example/acme', 'hosted.example'] });
    assert.equal(res.status, 409);
    assert.match(await res.text(), /covers hosted.example\/lib, which owner other hosts/);
  });

  test('under a claim only its owner publishes', async () => {
    const res = await upload('other', 'example.com/acme/lib');
    assert.equal(res.status, 403);
    assert.match(await res.text(), /module path example.com\/acme\/lib is claimed by another owner of this registry/);
    assert.equal((await upload('acme', 'example.com/acme/lib')).status, 201);
    assert.equal((await upload('other', 'example.com/acmeish/lib')).status, 201, 'its own claim');
  });

  test('a claimed path that is not hosted: 403 with a message, alike for a missing module, a hidden owner and a missing owner', async () => {
    const miss = await get('/api/packages/acme/go/example.com/acme/nothing/@v/list');
    assert.equal(miss.status, 403);
    assert.match(miss.body, /claimed here, so it is never fetched from another proxy/);
    assert.match(miss.type ?? '', /^text\/plain/);
    await adminPut(h.reg.url, ADMIN_TOKEN, '/owners/acme', { visibility: 'private' });
    const hidden = await get('/api/packages/acme/go/example.com/acme/lib/@v/list');
    const hiddenViaOther = await get('/api/packages/other/go/example.com/acme/lib/@v/list');
    const missingOwner = await get('/api/packages/nobody/go/example.com/acme/lib/@v/list');
    for (const r of [hidden, hiddenViaOther, missingOwner]) {
      assert.deepEqual(r, { ...miss, body: miss.body.replace('nothing', 'lib') });
    }
    const unclaimed = await get('/api/packages/acme/go/unclaimed.example/x/@v/list');
    assert.equal(unclaimed.status, 404, 'outside claims: today’s 404, so go moves on');
    await adminPut(h.reg.url, ADMIN_TOKEN, '/owners/acme', { visibility: 'public' });
  });

  test('the registry-wide endpoint serves a claimed path from its owner, with the owner’s access rules', async () => {
    const list = await get('/go/example.com/acme/lib/@v/list');
    assert.deepEqual([list.status, list.body], [200, 'v1.0.0\n']);
    assert.equal((await get('/go/example.com/acme/lib/@v/v1.0.0.info')).status, 200);
    const zip = await fetch(`${h.reg.url}/go/example.com/acme/lib/@v/v1.0.0.zip`);
    assert.equal(zip.status, 200);
    await zip.arrayBuffer();
    await adminPut(h.reg.url, ADMIN_TOKEN, '/owners/acme', { visibility: 'private' });
    const hidden = await get('/go/example.com/acme/lib/@v/list');
    const missing = await get('/go/example.com/acme/missing/@v/list');
    assert.equal(hidden.status, 403);
    assert.deepEqual(hidden, { ...missing, body: missing.body.replace('missing', 'lib') }, 'a hidden module answers like a missing one');
    const reader = await createToken(h.reg.url, ADMIN_TOKEN, 'acme', 'reader', ['read']);
    assert.equal((await get('/go/example.com/acme/lib/@v/list', basic(reader))).status, 200);
    const unclaimed = await get('/go/other.example/hosted/@v/list');
    assert.equal(unclaimed.status, 404, 'unclaimed paths come from the pull-through cache only (none here)');
  });
});
