/** AuthService with a small in-memory token table: last-use recording and its memory bound. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenDigest } from '../../../registry/domain/token-secret.js';
import type { OwnerRepository, TokenRecord } from '../../../registry/repository/owner-repository.js';
import { UNKNOWN } from '../../../registry/repository/known.js';
import { AuthService } from '../../../registry/service/auth-service.js';

function fakeOwners() {
  const tokens = new Map<string, TokenRecord>();
  const touched: string[] = [];
  const repo = {
    findTokenByDigest: async (digest: string) => tokens.get(digest),
    touchToken: async (owner: string, name: string) => void touched.push(`${owner}/${name}`),
  } as unknown as OwnerRepository;
  const add = (name: string) => {
    const secret = `gor_${name.padEnd(43, 'x')}`;
    tokens.set(tokenDigest(secret), { owner: 'acme', name, digest: tokenDigest(secret), scopes: ['read'] } as TokenRecord);
    return secret;
  };
  return { repo, add, touched };
}

test('a token\'s use is recorded at most once a minute, off the request', async (t) => {
  let now = 1_000_000;
  t.mock.method(Date, 'now', () => now);
  const { repo, add, touched } = fakeOwners();
  const auth = new AuthService(repo, 'admin-token-0123456789');
  const secret = add('ci');
  for (let i = 0; i < 5; i++) assert.deepEqual(await auth.authenticate(secret), { kind: 'token', owner: 'acme', name: 'ci', scopes: ['read'] });
  assert.deepEqual(touched, ['acme/ci']);
  now += 61_000;
  await auth.authenticate(secret);
  assert.deepEqual(touched, ['acme/ci', 'acme/ci']);
  await assert.rejects(auth.authenticate('gor_unknown'), /invalid, revoked or expired/);
});

test('the last-use memory is swept of tokens not used for a minute once it holds many', async (t) => {
  let now = 1_000_000;
  t.mock.method(Date, 'now', () => now);
  const { repo, add } = fakeOwners();
  const auth = new AuthService(repo, 'admin-token-0123456789');
  const remembered = () => (auth as unknown as { lastRecorded: Map<string, number> }).lastRecorded.size;
  const secrets = Array.from({ length: 10_000 }, (_, i) => add(`t${i}`));
  for (const s of secrets) await auth.authenticate(s);
  assert.equal(remembered(), 10_000);
  now += 61_000;
  await auth.authenticate(add('fresh'));
  assert.equal(remembered(), 1, 'only the token used now is left');
  // A swept token's next use is recorded afresh.
  for (const s of secrets.slice(0, 50)) await auth.authenticate(s);
  assert.equal(remembered(), 51);
});

test('knownAuthenticate: the principal authenticate gives when memory suffices, UNKNOWN where it would ask or refuse', async (t) => {
  let now = 1_000_000;
  t.mock.method(Date, 'now', () => now);
  const { repo, add, touched } = fakeOwners();
  const held = new Map<string, TokenRecord>();
  (repo as { knownTokenByDigest?: unknown }).knownTokenByDigest = (digest: string) => (held.size === 0 ? UNKNOWN : held.get(digest));
  const auth = new AuthService(repo, 'admin-token-0123456789');
  const secret = add('ci');
  assert.deepEqual(auth.knownAuthenticate(undefined), { kind: 'anonymous' });
  assert.deepEqual(auth.knownAuthenticate('admin-token-0123456789'), await auth.authenticate('admin-token-0123456789'));
  assert.equal(auth.knownAuthenticate(secret), UNKNOWN, 'tokens not held');
  held.set(tokenDigest(secret), { owner: 'acme', name: 'ci', digest: tokenDigest(secret), scopes: ['read'] } as TokenRecord);
  held.set(tokenDigest('gor_old'), { owner: 'acme', name: 'old', digest: tokenDigest('gor_old'), scopes: ['read'], expiresAt: new Date(now - 1) } as TokenRecord);
  assert.deepEqual(auth.knownAuthenticate(secret), await auth.authenticate(secret));
  assert.equal(auth.knownAuthenticate('gor_unknown'), UNKNOWN, 'a refusal is left to authenticate, with its error');
  assert.equal(auth.knownAuthenticate('gor_old'), UNKNOWN, 'expired');
  assert.deepEqual(touched, ['acme/ci'], 'its use recorded once, whichever look-up saw it');
  now += 61_000;
  auth.knownAuthenticate(secret);
  assert.deepEqual(touched, ['acme/ci', 'acme/ci']);
});
