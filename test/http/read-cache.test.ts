/**
 * The read cache never outlives a change: after a visibility change, a token's
 * revocation or narrowed scopes, a deleted version or owner, the very next request
 * answers from the new state — a hidden owner byte-for-byte like a missing one.
 * Each case first reads, so the old state is in the cache.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { adminPut, createToken } from '../support/admin-api.js';
import { ADMIN_TOKEN, useTestRegistry } from '../support/in-process-registry.js';
import { makeModuleZip } from '../support/module-zips.js';

const h = useTestRegistry('read-cache');
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const basic = (secret: string) => ({ Authorization: 'Basic ' + Buffer.from(`u:${secret}`).toString('base64') });

async function publish(owner: string, modulePath: string, version: string, files?: Record<string, string>): Promise<Buffer> {
  const zip = await readFile(await makeModuleZip(h.dir, modulePath, version, files));
  const res = await fetch(`${h.reg.url}/api/packages/${owner}/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: admin });
  assert.equal(res.status, 201, await res.text());
  return zip;
}

async function get(owner: string, tail: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.reg.url}/api/packages/${owner}/go/${tail}`, { headers });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') };
}

const TAILS = ['example.com/m/@v/list', 'example.com/m/@v/v1.0.0.info', 'example.com/m/@v/v1.0.0.mod', 'example.com/m/@v/v1.0.0.zip', 'example.com/m/@latest'];

/** Every read of `owner` answers exactly as for an owner that does not exist. */
async function assertLikeMissing(owner: string, headers: Record<string, string> = {}) {
  for (const tail of TAILS) {
    const res = await get(owner, tail, headers);
    const missing = await get('no-such-owner', tail, headers);
    assert.equal(res.status, missing.status, tail);
    assert.deepEqual(res.body, missing.body, `${tail}: same bytes as a missing owner`);
    assert.equal(res.type, missing.type, tail);
  }
}

async function assertReadable(owner: string, headers: Record<string, string> = {}) {
  for (const tail of TAILS) assert.equal((await get(owner, tail, headers)).status, 200, tail);
}

describe('read cache invalidation', () => {
  test('public → private hides the owner at once; → public shows it again at once', async () => {
    await h.reg.createOwner('vis', 'public');
    await publish('vis', 'example.com/m', 'v1.0.0');
    await assertReadable('vis');
    await assertReadable('vis');
    await adminPut(h.reg.url, ADMIN_TOKEN, '/owners/vis', { visibility: 'private' });
    await assertLikeMissing('vis');
    await adminPut(h.reg.url, ADMIN_TOKEN, '/owners/vis', { visibility: 'limited' });
    await assertLikeMissing('vis');
    await adminPut(h.reg.url, ADMIN_TOKEN, '/owners/vis', { visibility: 'public' });
    await assertReadable('vis');
  });

  test('a revoked token is refused at once; narrowed scopes hide a private owner at once', async () => {
    await h.reg.createOwner('tok', 'private');
    await publish('tok', 'example.com/m', 'v1.0.0');
    const secret = await createToken(h.reg.url, ADMIN_TOKEN, 'tok', 'ci', ['read']);
    await assertReadable('tok', basic(secret));
    await assertReadable('tok', basic(secret));
    await adminPut(h.reg.url, ADMIN_TOKEN, '/owners/tok/tokens/ci', { scopes: ['write'] });
    await assertLikeMissing('tok', basic(secret));
    await adminPut(h.reg.url, ADMIN_TOKEN, '/owners/tok/tokens/ci', { scopes: ['read'] });
    await assertReadable('tok', basic(secret));
    const revoked = await fetch(`${h.reg.url}/api/admin/owners/tok/tokens/ci`, { method: 'DELETE', headers: admin });
    assert.equal(revoked.status, 204);
    assert.equal((await get('tok', 'example.com/m/@v/v1.0.0.info', basic(secret))).status, 401);
  });

  test('a token with an expiry stops working when it expires, cached or not', async () => {
    await h.reg.createOwner('exp', 'private');
    await publish('exp', 'example.com/m', 'v1.0.0');
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const body = await adminPut(h.reg.url, ADMIN_TOKEN, '/owners/exp/tokens/short', { scopes: ['read'], expiresAt });
    const secret = String(body.token);
    await assertReadable('exp', basic(secret));
    await new Promise((r) => setTimeout(r, 1600));
    assert.equal((await get('exp', 'example.com/m/@v/v1.0.0.info', basic(secret))).status, 401);
  });

  test('a deleted version is gone at once; uploaded again (the same bytes: the checksum log allows no others), it is served again', async () => {
    await h.reg.createOwner('del', 'public');
    const first = await publish('del', 'example.com/del/m', 'v1.0.0', { 'go.mod': 'module example.com/del/m\n\ngo 1.21\n', 'a.go': 'package m\n' });
    await publish('del', 'example.com/del/m', 'v1.1.0');
    assert.deepEqual((await get('del', 'example.com/del/m/@v/v1.0.0.zip')).body, first);
    assert.equal((await get('del', 'example.com/del/m/@v/list')).body.toString(), 'v1.0.0\nv1.1.0\n');
    const gone = await fetch(`${h.reg.url}/api/packages/del/go/example.com/del/m/@v/v1.0.0`, { method: 'DELETE', headers: admin });
    assert.equal(gone.status, 204);
    for (const ext of ['info', 'mod', 'zip']) assert.equal((await get('del', `example.com/del/m/@v/v1.0.0.${ext}`)).status, 404, ext);
    assert.equal((await get('del', 'example.com/del/m/@v/list')).body.toString(), 'v1.1.0\n');
    const other = await readFile(await makeModuleZip(h.dir, 'example.com/del/m', 'v1.0.0', { 'go.mod': 'module example.com/del/m\n\ngo 1.22\n', 'b.go': 'package m\n' }));
    const refused = await fetch(`${h.reg.url}/api/packages/del/go/upload`, { method: 'PUT', body: new Uint8Array(other), headers: admin });
    assert.equal(refused.status, 409, 'other bytes for a logged version');
    const again = await fetch(`${h.reg.url}/api/packages/del/go/upload`, { method: 'PUT', body: new Uint8Array(first), headers: admin });
    assert.equal(again.status, 201, await again.text());
    assert.deepEqual((await get('del', 'example.com/del/m/@v/v1.0.0.zip')).body, first);
    assert.match((await get('del', 'example.com/del/m/@v/v1.0.0.mod')).body.toString(), /go 1\.21/);
    assert.equal((await get('del', 'example.com/del/m/@v/list')).body.toString(), 'v1.0.0\nv1.1.0\n');
  });

  test('a new version shows in @v/list and @latest at once', async () => {
    await h.reg.createOwner('new', 'public');
    await publish('new', 'example.com/m', 'v1.0.0');
    assert.equal((await get('new', 'example.com/m/@v/list')).body.toString(), 'v1.0.0\n');
    assert.match((await get('new', 'example.com/m/@latest')).body.toString(), /v1\.0\.0/);
    await publish('new', 'example.com/m', 'v1.2.0');
    assert.equal((await get('new', 'example.com/m/@v/list')).body.toString(), 'v1.0.0\nv1.2.0\n');
    assert.match((await get('new', 'example.com/m/@latest')).body.toString(), /v1\.2\.0/);
  });

  test('a deleted owner (forced) answers like a missing one at once, and a new owner of that name starts empty', async () => {
    await h.reg.createOwner('gone', 'public');
    await publish('gone', 'example.com/m', 'v1.0.0');
    const secret = await createToken(h.reg.url, ADMIN_TOKEN, 'gone', 'ci', ['read']);
    await assertReadable('gone');
    await assertReadable('gone', basic(secret));
    const res = await fetch(`${h.reg.url}/api/admin/owners/gone?force=true`, { method: 'DELETE', headers: admin });
    assert.equal(res.status, 204);
    await assertLikeMissing('gone');
    assert.equal((await get('gone', 'example.com/m/@v/v1.0.0.info', basic(secret))).status, 401, 'its tokens went with it');
    await h.reg.createOwner('gone', 'public');
    assert.equal((await get('gone', 'example.com/m/@v/v1.0.0.info')).status, 404);
    assert.equal((await get('gone', 'example.com/m/@v/list')).status, 404);
  });
});
