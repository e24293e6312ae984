/**
 * Every visibility × credential × route combination answers as specified, and a
 * read that may not see an owner is byte-for-byte the answer for a missing owner.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { adminPut, createToken } from '../support/admin-api.js';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry } from '../support/in-process-registry.js';
import { makeModuleZip } from '../support/module-zips.js';
import { tempDir } from '../support/paths.js';

let reg: TestRegistry;
let dir: string;
let cleanup: () => Promise<void>;
const secrets: Record<string, string> = {};
const VISIBILITIES = ['public', 'limited', 'private'] as const;

const basic = (secret: string) => 'Basic ' + Buffer.from(`user:${secret}`).toString('base64');

before(async () => {
  reg = await startTestRegistry();
  ({ dir, remove: cleanup } = await tempDir('access'));
  for (const v of VISIBILITIES) {
    await reg.createOwner(`${v}-owner`, v);
    const zip = await readFile(await makeModuleZip(dir, 'example.com/m', 'v1.0.0'));
    const res = await fetch(`${reg.url}/api/packages/${v}-owner/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: { Authorization: reg.auth } });
    assert.equal(res.status, 201);
    secrets[`${v}-read`] = await createToken(reg.url, ADMIN_TOKEN, `${v}-owner`, 'reader', ['read']);
    secrets[`${v}-write`] = await createToken(reg.url, ADMIN_TOKEN, `${v}-owner`, 'writer', ['write']);
  }
  await reg.createOwner('other-owner', 'private');
  secrets['other-read'] = await createToken(reg.url, ADMIN_TOKEN, 'other-owner', 'reader', ['read', 'write']);
});
after(async () => {
  await reg.stop();
  await cleanup();
});

type Cred = 'none' | 'admin' | 'own-read' | 'own-write' | 'other-owner';
const CREDS: Cred[] = ['none', 'admin', 'own-read', 'own-write', 'other-owner'];

function header(cred: Cred, visibility: string): Record<string, string> {
  switch (cred) {
    case 'none':
      return {};
    case 'admin':
      return { Authorization: `Bearer ${ADMIN_TOKEN}` };
    case 'own-read':
      return { Authorization: basic(secrets[`${visibility}-read`]!) };
    case 'own-write':
      return { Authorization: basic(secrets[`${visibility}-write`]!) };
    case 'other-owner':
      return { Authorization: `Bearer ${secrets['other-read']!}` };
  }
}

/** What a read should see: visible, or exactly like a missing owner. */
function mayRead(visibility: string, cred: Cred): boolean {
  if (visibility === 'public' || cred === 'admin') return true;
  if (visibility === 'limited') return cred !== 'none';
  return cred === 'own-read';
}

const READS = ['example.com/m/@v/list', 'example.com/m/@v/v1.0.0.info', 'example.com/m/@v/v1.0.0.mod', 'example.com/m/@v/v1.0.0.zip', 'example.com/m/@latest'];

describe('reads: visibility × credential × route', () => {
  for (const visibility of VISIBILITIES) {
    for (const cred of CREDS) {
      test(`${visibility} owner, ${cred}`, async () => {
        for (const tail of READS) {
          const res = await fetch(`${reg.url}/api/packages/${visibility}-owner/go/${tail}`, { headers: header(cred, visibility) });
          const body = await res.text();
          const missing = await fetch(`${reg.url}/api/packages/no-such-owner/go/${tail}`, { headers: header(cred, visibility) });
          const missingBody = await missing.text();
          if (mayRead(visibility, cred)) {
            assert.equal(res.status, 200, `${tail}: ${body}`);
          } else {
            assert.equal(res.status, missing.status, tail);
            assert.equal(body, missingBody, `${tail}: the same body as a missing owner`);
            assert.equal(res.headers.get('content-type'), missing.headers.get('content-type'));
            assert.equal(res.status, 404);
          }
        }
      });
    }
  }
});

describe('uploads and deletes: visibility × credential', () => {
  let n = 0;
  for (const visibility of VISIBILITIES) {
    for (const cred of CREDS) {
      const expected = cred === 'none' ? 401 : cred === 'admin' || cred === 'own-write' ? 201 : mayRead(visibility, cred) ? 403 : 404;
      test(`${visibility} owner, ${cred} → ${expected}`, async () => {
        const zip = await readFile(await makeModuleZip(dir, 'example.com/w', `v1.0.${n++}`));
        const res = await fetch(`${reg.url}/api/packages/${visibility}-owner/go/upload`, {
          method: 'PUT',
          body: new Uint8Array(zip),
          headers: header(cred, visibility),
        });
        const text = await res.text();
        assert.equal(res.status, expected, text);
        if (expected === 401) assert.match(res.headers.get('www-authenticate') ?? '', /^Basic /);
        if (expected === 404) {
          const missing = await fetch(`${reg.url}/api/packages/no-such-owner/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: header(cred, visibility) });
          assert.equal(text, await missing.text());
        }
        const del = await fetch(`${reg.url}/api/packages/${visibility}-owner/go/example.com/m/@v/v9.9.9`, { method: 'DELETE', headers: header(cred, visibility) });
        await del.text();
        assert.equal(del.status, expected === 201 ? 404 : expected, 'delete is authorized like upload');
      });
    }
  }

  test('an upload to an owner that does not exist is 404, even for the admin', async () => {
    const zip = await readFile(await makeModuleZip(dir, 'example.com/x', 'v1.0.0'));
    const res = await fetch(`${reg.url}/api/packages/ghost/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: { Authorization: reg.auth } });
    assert.equal(res.status, 404);
  });
});

describe('tokens', () => {
  test('revoked and expired tokens are 401 on every route', async () => {
    const revoked = await createToken(reg.url, ADMIN_TOKEN, 'private-owner', 'temp', ['read']);
    const ok = await fetch(`${reg.url}/api/packages/private-owner/go/example.com/m/@v/list`, { headers: { Authorization: basic(revoked) } });
    assert.equal(ok.status, 200);
    const del = await fetch(`${reg.url}/api/admin/owners/private-owner/tokens/temp`, { method: 'DELETE', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(del.status, 204);
    const after = await fetch(`${reg.url}/api/packages/private-owner/go/example.com/m/@v/list`, { headers: { Authorization: basic(revoked) } });
    assert.equal(after.status, 401);
    assert.match(after.headers.get('www-authenticate') ?? '', /^Basic/);

    const expiring = await adminPut(reg.url, ADMIN_TOKEN, '/owners/private-owner/tokens/old', { scopes: ['read'], expiresAt: '2000-01-01T00:00:00Z' });
    const expired = await fetch(`${reg.url}/api/packages/public-owner/go/example.com/m/@v/list`, { headers: { Authorization: basic(String(expiring.token)) } });
    assert.equal(expired.status, 401);
  });

  test('tokens are shown once, stored only as hashes, and listed without values; last use is recorded', async () => {
    const secret = await createToken(reg.url, ADMIN_TOKEN, 'public-owner', 'shown-once', ['read']);
    assert.match(secret, /^gor_[A-Za-z0-9_-]{43}$/);
    await fetch(`${reg.url}/api/packages/public-owner/go/example.com/m/@v/list`, { headers: { Authorization: basic(secret) } });
    const owner = (await (await fetch(`${reg.url}/api/admin/owners/public-owner`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as {
      tokens: { name: string; lastUsedAt?: string }[];
    };
    const listed = JSON.stringify(owner);
    assert.ok(!listed.includes(secret) && !listed.includes('digest') && !listed.includes('sha256'));
    await new Promise((r) => setTimeout(r, 100)); // last use is recorded off the request path
    const again = (await (await fetch(`${reg.url}/api/admin/owners/public-owner`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as {
      tokens: { name: string; lastUsedAt?: string }[];
    };
    assert.ok(again.tokens.find((t) => t.name === 'shown-once')?.lastUsedAt, 'last use recorded');
  });
});

describe('caching: only a public owner’s versions may sit in shared caches', () => {
  for (const visibility of VISIBILITIES) {
    test(`${visibility} owner: .info, .mod, .zip (and 304s) are ${visibility === 'public' ? 'public' : 'private'}, immutable`, async () => {
      const headers = header('own-read', visibility);
      for (const tail of ['example.com/m/@v/v1.0.0.info', 'example.com/m/@v/v1.0.0.mod', 'example.com/m/@v/v1.0.0.zip']) {
        const res = await fetch(`${reg.url}/api/packages/${visibility}-owner/go/${tail}`, { headers });
        await res.arrayBuffer();
        assert.equal(res.status, 200, tail);
        const expected = `${visibility === 'public' ? 'public' : 'private'}, max-age=31536000, immutable`;
        assert.equal(res.headers.get('cache-control'), expected, tail);
        const etag = res.headers.get('etag');
        if (etag) {
          const again = await fetch(`${reg.url}/api/packages/${visibility}-owner/go/${tail}`, { headers: { ...headers, 'If-None-Match': etag } });
          assert.equal(again.status, 304, tail);
          assert.equal(again.headers.get('cache-control'), expected, `${tail} (304)`);
        }
      }
    });
  }
});
