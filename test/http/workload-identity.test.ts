/**
 * CI OIDC tokens as credentials, against local issuers the test starts (its own keys,
 * discovery, rotation): claims matching a grant read (and write) its owner; wrong
 * audience, expired, not yet valid, issued in the future, another issuer, alg none and
 * HS256 key confusion are 401; rotation is followed; a revoked grant stops at the next request.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { adminPut } from '../support/admin-api.js';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry } from '../support/in-process-registry.js';
import { makeModuleZip } from '../support/module-zips.js';
import { makeKey, signWith, startOidcIssuer, unsignedToken, type TestOidcIssuer } from '../support/oidc-issuer.js';
import { tempDir } from '../support/paths.js';

let reg: TestRegistry;
let ci: TestOidcIssuer;
let slow: TestOidcIssuer;
let stranger: TestOidcIssuer;
let dir: string;
let cleanup: () => Promise<void>;

const DOWN = 'http://127.0.0.1:1';
const GITHUB_LIKE = { repository: 'acme/app', ref: 'refs/heads/main', sub: 'repo:acme/app:ref:refs/heads/main', aud: 'go-registry' };
const list = (owner: string) => `/api/packages/${owner}/go/example.com/m/@v/list`;
const get = (path: string, token?: string) => fetch(`${reg.url}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
const status = async (path: string, token?: string) => {
  const res = await get(path, token);
  await res.text();
  return res.status;
};
const admin = (method: string, path: string, body?: unknown) =>
  fetch(`${reg.url}/api/admin${path}`, { method, headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

before(async () => {
  [ci, slow, stranger] = [await startOidcIssuer(), await startOidcIssuer(), await startOidcIssuer()];
  reg = await startTestRegistry({
    OIDC_ISSUERS: JSON.stringify([
      { issuer: ci.url, audience: 'go-registry', jwksCooldownSeconds: 0 },
      { issuer: slow.url, audience: 'go-registry', jwksCooldownSeconds: 600 },
      // Nothing listens there: an issuer that is down.
      { issuer: DOWN, audience: 'go-registry' },
    ]),
  });
  ({ dir, remove: cleanup } = await tempDir('identity'));
  for (const owner of ['acme', 'other']) {
    await reg.createOwner(owner, 'private');
    const zip = await readFile(await makeModuleZip(dir, 'example.com/m', 'v1.0.0'));
    const res = await fetch(`${reg.url}/api/packages/${owner}/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: { Authorization: reg.auth } });
    assert.equal(res.status, 201);
  }
  await reg.createOwner('limited', 'limited');
  await adminPut(reg.url, ADMIN_TOKEN, '/owners/acme/grants/ci-main', { scopes: ['read'], oidc: { issuer: ci.url, claims: { repository: 'acme/*', ref: 'refs/heads/main' } } });
});
after(async () => {
  await reg?.stop();
  for (const i of [ci, slow, stranger]) await i?.stop();
  await cleanup?.();
});

describe('claims and grants', () => {
  test('matching claims read the granted owner; another owner answers like a missing one; write is 403', async () => {
    const token = await ci.sign(GITHUB_LIKE);
    assert.equal(await status(list('acme'), token), 200);
    const basic = 'Basic ' + Buffer.from(`oidc:${token}`).toString('base64');
    assert.equal((await fetch(`${reg.url}${list('acme')}`, { headers: { Authorization: basic } })).status, 200, 'as a Basic password too (.netrc)');
    const other = await get(list('other'), token);
    const missing = await get(list('no-such-owner'), token);
    assert.equal(other.status, 404);
    assert.equal(await other.text(), await missing.text());
    const zip = await readFile(await makeModuleZip(dir, 'example.com/w', 'v1.0.0'));
    const up = await fetch(`${reg.url}/api/packages/acme/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: { Authorization: `Bearer ${token}` } });
    assert.equal(up.status, 403, await up.text());
    assert.equal(await status(`/api/packages/limited/go/example.com/m/@v/list`, token), 404, 'a limited owner counts a granted identity as known (no such module)');
  });

  test('claims that do not match the grant see nothing; a limited owner does not count them as known', async () => {
    for (const claims of [{ ref: 'refs/heads/feature' }, { repository: 'evil/app' }, { repository: undefined }]) {
      const token = await ci.sign({ ...GITHUB_LIKE, ...claims });
      assert.equal(await status(list('acme'), token), 404, JSON.stringify(claims));
    }
    await adminPut(reg.url, ADMIN_TOKEN, '/owners/limited/grants/nobody', { scopes: ['read'], oidc: { issuer: ci.url, claims: { repository: 'nobody/x' } } });
    await adminPut(reg.url, ADMIN_TOKEN, '/owners/limited', { visibility: 'limited' });
    const zip = await readFile(await makeModuleZip(dir, 'example.com/m', 'v1.0.0'));
    assert.equal((await fetch(`${reg.url}/api/packages/limited/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: { Authorization: reg.auth } })).status, 201);
    assert.equal(await status('/api/packages/limited/go/example.com/m/@v/list', await ci.sign({ ...GITHUB_LIKE, repository: 'evil/app' })), 404);
    assert.equal(await status('/api/packages/limited/go/example.com/m/@v/list', await ci.sign(GITHUB_LIKE)), 200);
  });

  test('a write grant publishes; revoking it takes effect on the next request', async () => {
    await adminPut(reg.url, ADMIN_TOKEN, '/owners/other/grants/release', { scopes: ['read', 'write'], oidc: { issuer: ci.url, claims: { repository: 'acme/app', ref: 'refs/tags/v*' } } });
    const token = await ci.sign({ ...GITHUB_LIKE, ref: 'refs/tags/v1.2.0' });
    const zip = await readFile(await makeModuleZip(dir, 'example.com/released', 'v1.2.0'));
    const up = await fetch(`${reg.url}/api/packages/other/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: { Authorization: `Bearer ${token}` } });
    assert.equal(up.status, 201, await up.text());
    assert.equal(await status(list('other'), token), 200);
    assert.equal((await admin('DELETE', '/owners/other/grants/release')).status, 204);
    assert.equal(await status(list('other'), token), 404);
  });
});

describe('refused tokens are 401 with the reason', () => {
  const refused = async (token: string, reason: RegExp) => {
    const res = await get(list('acme'), token);
    const text = await res.text();
    assert.equal(res.status, 401, text);
    assert.match(text, reason);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Basic /);
  };
  const now = () => Math.floor(Date.now() / 1000);

  test('wrong audience, expired, not yet valid, issued in the future (beyond the 30 s skew)', async () => {
    await refused(await ci.sign({ ...GITHUB_LIKE, aud: 'someone-else' }), /claim aud/);
    await refused(await ci.sign({ ...GITHUB_LIKE, iat: now() - 700, exp: now() - 31 }), /expired/);
    await refused(await ci.sign({ ...GITHUB_LIKE, nbf: now() + 120 }), /claim nbf/);
    await refused(await ci.sign({ ...GITHUB_LIKE, iat: now() + 120 }), /future|iat/);
    // Within the skew: accepted.
    assert.equal(await status(list('acme'), await ci.sign({ ...GITHUB_LIKE, iat: now() - 600, exp: now() - 5 })), 200);
  });

  test('another issuer, a token claiming our issuer but signed by a stranger, alg none, HS256 with the public key as secret', async () => {
    await refused(await stranger.sign(GITHUB_LIKE), /issuer/);
    await refused(await signWith(stranger.keys[0]!, { ...GITHUB_LIKE, iss: ci.url }), /key the issuer does not publish/);
    const forged = await makeKey(ci.keys[0]!.kid);
    await refused(await signWith(forged, { ...GITHUB_LIKE, iss: ci.url }), /signature/);
    await refused(unsignedToken({ ...GITHUB_LIKE, iss: ci.url }), /algorithm|malformed/);
    const key = ci.keys[ci.keys.length - 1]!;
    const hs = await new SignJWT({ ...GITHUB_LIKE, iss: ci.url, iat: now(), exp: now() + 600 })
      .setProtectedHeader({ alg: 'HS256', kid: key.kid })
      .sign(new TextEncoder().encode(JSON.stringify(key.publicJwk)));
    await refused(hs, /algorithm/);
  });

  test('an issuer that cannot be reached is a 503 to retry, naming it, never a 401 or a 500', async () => {
    const token = await signWith(stranger.keys[0]!, { ...GITHUB_LIKE, iss: DOWN });
    for (let i = 0; i < 2; i++) {
      const res = await get(list('acme'), token);
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '5');
      assert.match(await res.text(), new RegExp(`issuer ${DOWN} could not be reached`));
    }
  });

  test('a key set the issuer fails to serve is a 503 too, and the next good answer is used', async () => {
    const fresh = await ci.rotate(true);
    ci.jwksFailure = 500;
    const res = await get(list('acme'), await ci.sign(GITHUB_LIKE, fresh));
    ci.jwksFailure = undefined;
    assert.equal(res.status, 503, await res.text());
    assert.equal(await status(list('acme'), await ci.sign(GITHUB_LIKE, fresh)), 200);
  });

  test('an opaque token that is not registered stays a plain 401', async () => {
    await refused('gor_' + 'x'.repeat(43), /invalid, revoked or expired token/);
  });
});

describe('key rotation', () => {
  test('after rotation a token of the new key is accepted and one of the removed key refused', async () => {
    const old = ci.keys[ci.keys.length - 1]!;
    assert.equal(await status(list('acme'), await ci.sign(GITHUB_LIKE)), 200);
    const fresh = await ci.rotate();
    assert.equal(await status(list('acme'), await ci.sign(GITHUB_LIKE, fresh)), 200, 'an unknown kid refetches the key set');
    assert.equal(await status(list('acme'), await signWith(old, { ...GITHUB_LIKE, iss: ci.url })), 401, 'the removed key verifies nothing any more');
  });

  test('unknown key ids refetch the key set at most once per cooldown', async () => {
    assert.equal(await status(list('acme'), await slow.sign(GITHUB_LIKE)), 404, 'verified; no grant on this issuer');
    const before = slow.jwksFetches;
    for (let i = 0; i < 5; i++) {
      const key = await makeKey(`unknown-${i}`);
      assert.equal(await status(list('acme'), await signWith(key, { ...GITHUB_LIKE, iss: slow.url })), 401);
    }
    assert.ok(slow.jwksFetches - before <= 1, `${slow.jwksFetches - before} fetches for 5 unknown kids`);
  });
});

describe('admin API for grants', () => {
  test('create, replace, list and delete; bad bodies are 400 naming the field; a missing owner 404', async () => {
    const put = (name: string, body: unknown, owner = 'other') => admin('PUT', `/owners/${owner}/grants/${name}`, body);
    const created = await put('sa', { scopes: ['write', 'read'], oidc: { issuer: ci.url, claims: { project_path: 'group/*' } } });
    assert.equal(created.status, 201);
    assert.deepEqual((await created.json() as { scopes: string[] }).scopes, ['read', 'write']);
    assert.equal((await put('sa', { scopes: ['read'], oidc: { issuer: ci.url, claims: { project_path: 'group/app' } } })).status, 200);
    const listed = (await (await admin('GET', '/owners/other/grants')).json()) as { name: string; oidc?: { claims: Record<string, string> } }[];
    assert.deepEqual(listed.find((g) => g.name === 'sa')?.oidc?.claims, { project_path: 'group/app' });
    for (const [body, problem] of [
      [{ scopes: ['read'] }, /exactly one of serviceAccount and oidc/],
      [{ scopes: ['read'], oidc: { issuer: ci.url, claims: {} } }, /oidc\.claims/],
      [{ scopes: ['read'], oidc: { issuer: 'https://unknown.example', claims: { sub: 'x' } } }, /not one of the issuers/],
      [{ scopes: ['read'], serviceAccount: { namespace: 'ci' } }, /kind kubernetes/],
      [{ scopes: ['admin'], oidc: { issuer: ci.url, claims: { sub: 'x' } } }, /scopes/],
    ] as const) {
      const res = await put('bad', body);
      assert.equal(res.status, 400);
      assert.match(await res.text(), problem);
    }
    assert.equal((await put('bad name', { scopes: ['read'], oidc: { issuer: ci.url, claims: { sub: 'x' } } })).status, 400);
    assert.equal((await put('g', { scopes: ['read'], oidc: { issuer: ci.url, claims: { sub: 'x' } } }, 'ghost')).status, 404);
    assert.equal((await admin('GET', '/owners/ghost/grants')).status, 404);
    assert.equal((await admin('DELETE', '/owners/other/grants/sa')).status, 204);
    assert.equal((await admin('DELETE', '/owners/other/grants/sa')).status, 404);
    const byIdentity = await fetch(`${reg.url}/api/admin/owners`, { headers: { Authorization: `Bearer ${await ci.sign(GITHUB_LIKE)}` } });
    assert.equal(byIdentity.status, 403, 'an identity is not the admin');
  });

  test('the OpenAPI document describes the grant routes', async () => {
    const doc = (await (await fetch(`${reg.url}/api/admin/openapi.json`)).json()) as { paths: Record<string, object>; components: { schemas: Record<string, object> } };
    assert.ok(doc.paths['/api/admin/owners/{owner}/grants/{name}']);
    assert.ok(doc.components.schemas.GrantPut);
  });

  test('metrics count credentials by kind, never by value', async () => {
    const token = await ci.sign(GITHUB_LIKE);
    await status(list('acme'), token);
    const text = await (await fetch(`${reg.url}/metrics`)).text();
    assert.match(text, /goregistry_authentications_total\{credential="oidc",result="accepted"\} [1-9]/);
    assert.match(text, /goregistry_authentications_total\{credential="oidc",result="refused"\} [1-9]/);
    assert.match(text, /goregistry_authentications_total\{credential="admin",result="accepted"\} [1-9]/);
    assert.ok(!text.includes(token.split('.')[1]!), 'no token in the metrics');
  });
});
