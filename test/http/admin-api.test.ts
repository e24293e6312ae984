/** The admin API as the operator uses it: idempotent PUTs, managedBy conflicts, force delete, supplied tokens. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { ADMIN_TOKEN, useTestRegistry } from '../support/in-process-registry.js';
import { makeModuleZip } from '../support/module-zips.js';

const h = useTestRegistry('admin');

async function call(method: string, path: string, body?: unknown, token = ADMIN_TOKEN) {
  const res = await fetch(`${h.reg.url}/api/admin${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

describe('admin API', () => {
  test('PUT owner: 201, then 200 and unchanged; visibility updates', async () => {
    const first = await call('PUT', '/owners/team', { visibility: 'private', managedBy: 'uid-1' });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.json().visibility, 'private');
    const again = await call('PUT', '/owners/team', { visibility: 'private', managedBy: 'uid-1' });
    assert.equal(again.status, 200);
    assert.equal(again.json().updatedAt, first.json().updatedAt, 'a repeated PUT writes nothing');
    assert.equal((await call('PUT', '/owners/team', { visibility: 'limited', managedBy: 'uid-1' })).json().visibility, 'limited');
    const listed = (await call('GET', '/owners')).json() as unknown as { name: string }[];
    assert.ok(listed.some((o) => o.name === 'team'));
  });

  test('a second managedBy claiming an owner is 409 and changes nothing', async () => {
    await call('PUT', '/owners/claimed', { visibility: 'public', managedBy: 'uid-a' });
    const clash = await call('PUT', '/owners/claimed', { visibility: 'private', managedBy: 'uid-b' });
    assert.equal(clash.status, 409);
    assert.match(clash.text, /managed by uid-a/);
    assert.equal((await call('GET', '/owners/claimed')).json().visibility, 'public');
  });

  test('a managedBy claim can be released by its holder only, and then taken by another', async () => {
    await call('PUT', '/owners/handover', { visibility: 'public', managedBy: 'uid-old' });
    assert.equal((await call('DELETE', '/owners/handover/managed-by/uid-new')).status, 409);
    assert.equal((await call('DELETE', '/owners/handover/managed-by/uid-old')).status, 204);
    assert.equal((await call('DELETE', '/owners/handover/managed-by/uid-old')).status, 204, 'idempotent');
    assert.equal((await call('GET', '/owners/handover')).json().managedBy, undefined);
    assert.equal((await call('PUT', '/owners/handover', { visibility: 'private', managedBy: 'uid-new' })).status, 200);
    assert.equal((await call('GET', '/owners/handover')).json().managedBy, 'uid-new');
    assert.equal((await call('DELETE', '/owners/ghost/managed-by/x')).status, 404);
  });

  test('DELETE owner: 409 while it has modules, force deletes them; 404 after', async () => {
    await call('PUT', '/owners/doomed', { visibility: 'public' });
    const zip = await readFile(await makeModuleZip(h.dir, 'example.com/doomed', 'v1.0.0'));
    const blobsBefore = (await h.reg.storedFiles()).blobs.length;
    const up = await fetch(`${h.reg.url}/api/packages/doomed/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: { Authorization: h.reg.auth } });
    assert.equal(up.status, 201);
    const refused = await call('DELETE', '/owners/doomed');
    assert.equal(refused.status, 409);
    assert.match(refused.text, /force=true/);
    assert.equal((await call('DELETE', '/owners/doomed?force=true')).status, 204);
    assert.equal((await call('GET', '/owners/doomed')).status, 404);
    assert.equal((await call('DELETE', '/owners/doomed')).status, 404);
    assert.equal((await h.reg.storedFiles()).blobs.length, blobsBefore, 'its blobs are gone');
    assert.equal((await fetch(`${h.reg.url}/api/packages/doomed/go/example.com/doomed/@v/list`)).status, 404);
  });

  test('tokens: generated value shown once; supplied value is idempotent; revoke', async () => {
    await call('PUT', '/owners/tok', { visibility: 'private' });
    const generated = await call('PUT', '/owners/tok/tokens/gen', { scopes: ['read'] });
    assert.equal(generated.status, 201);
    assert.match(String(generated.json().token), /^gor_/);
    const repeat = await call('PUT', '/owners/tok/tokens/gen', { scopes: ['read'] });
    assert.equal(repeat.status, 200);
    assert.equal(repeat.json().token, undefined, 'never shown again');

    const supplied = 'gor_' + 'A'.repeat(43);
    const created = await call('PUT', '/owners/tok/tokens/op', { scopes: ['read', 'write'], token: supplied });
    assert.equal(created.status, 201);
    assert.equal(created.json().token, undefined, 'a supplied secret is not echoed');
    assert.equal((await call('PUT', '/owners/tok/tokens/op', { scopes: ['write', 'read'], token: supplied })).status, 200);
    const read = await fetch(`${h.reg.url}/api/packages/tok/go/example.com/x/@v/list`, { headers: { Authorization: `Bearer ${supplied}` } });
    assert.equal(read.status, 404, 'readable owner, missing module: a plain 404');
    assert.equal(await read.text(), 'module example.com/x not found\n');
    const clash = await call('PUT', '/owners/tok/tokens/dup', { scopes: ['read'], token: supplied });
    assert.equal(clash.status, 409);
    assert.equal((await call('DELETE', '/owners/tok/tokens/op')).status, 204);
    assert.equal((await call('DELETE', '/owners/tok/tokens/op')).status, 404);
    const owner = (await call('GET', '/owners/tok')).json() as { tokens: { name: string; scopes: string[] }[] };
    assert.deepEqual(owner.tokens.map((t) => t.name), ['gen']);
  });

  test('bad bodies and names are 400 naming the field', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['/owners/x', { visibility: 'secret' }, /visibility/],
      ['/owners/x', { visibility: 'public', extra: 1 }, /extra|Unrecognized/],
      ['/owners/x', 'not json', /not JSON/],
      ['/owners/Bad', { visibility: 'public' }, /invalid owner name/],
      ['/owners/team/tokens/t', { scopes: ['admin'] }, /scopes/],
      ['/owners/team/tokens/t', { scopes: [] }, /scopes/],
      ['/owners/team/tokens/t', { scopes: ['read'], token: 'short' }, /token: must be gor_/],
      ['/owners/team/tokens/t', { scopes: ['read'], expiresAt: 'tomorrow' }, /expiresAt/],
      ['/owners/team/tokens/Bad_Name', { scopes: ['read'] }, /invalid token name/],
    ];
    for (const [path, body, pattern] of cases) {
      const res = await call('PUT', path, body);
      assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}: ${res.text}`);
      assert.match(res.text, pattern);
    }
    assert.equal((await call('PUT', '/owners/ghost/tokens/t', { scopes: ['read'] })).status, 404);
  });

  test('needs the admin token: 401 without, 403 with an owner token', async () => {
    const none = await fetch(`${h.reg.url}/api/admin/owners`);
    assert.equal(none.status, 401);
    await call('PUT', '/owners/tenant', { visibility: 'public' });
    const token = String((await call('PUT', '/owners/tenant/tokens/w', { scopes: ['read', 'write'] })).json().token);
    assert.equal((await call('GET', '/owners', undefined, token)).status, 403);
    assert.equal((await call('PUT', '/owners/tenant', { visibility: 'private' }, token)).status, 403);
  });

  test('serves its OpenAPI document', async () => {
    const doc = (await (await fetch(`${h.reg.url}/api/admin/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, { properties?: object }> } };
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/api/admin/owners/{owner}/tokens/{name}']);
    assert.ok(doc.components.schemas.TokenPut?.properties && 'scopes' in doc.components.schemas.TokenPut.properties);
  });
});
