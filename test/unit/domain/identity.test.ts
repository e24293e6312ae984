import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { claimPatternMatches, grantMatches, isAdminServiceAccount, looksLikeJwt, scopesByOwner, type Grant, type Identity } from '../../../registry/domain/identity.js';
import { canRead, canWrite, type Owner } from '../../../registry/domain/owner.js';

const sa = (namespace: string, name: string): Identity => ({
  credential: 'kubernetes',
  issuer: 'https://kubernetes.default.svc.cluster.local',
  subject: `system:serviceaccount:${namespace}:${name}`,
  serviceAccount: { namespace, name },
  claims: {},
});
const ci = (claims: Record<string, unknown>, issuer = 'https://token.actions.githubusercontent.com'): Identity => ({ credential: 'oidc', issuer, subject: String(claims.sub ?? 'x'), claims });
const grant = (owner: string, subject: Grant['subject'], scopes: Grant['scopes']): Grant => ({ owner, name: 'g', subject, scopes, createdAt: new Date(0) });

describe('claim patterns', () => {
  test('exact, prefix, suffix, middle and several stars', () => {
    const cases: [string, string, boolean][] = [
      ['acme/app', 'acme/app', true], ['acme/app', 'acme/app2', false],
      ['acme/*', 'acme/app', true], ['acme/*', 'acme/', true], ['acme/*', 'acm', false], ['acme/*', 'other/acme/x', false],
      ['*/app', 'acme/app', true], ['*/app', 'acme/apps', false],
      ['refs/*/v*', 'refs/tags/v1.0.0', true], ['refs/*/v*', 'refs/tags/x1', false],
      ['a*a', 'a', false], ['a*a', 'aa', true], ['*', '', true], ['a.b', 'aXb', false], ['[a]', '[a]', true],
    ];
    for (const [pattern, value, want] of cases) assert.equal(claimPatternMatches(pattern, value), want, `${pattern} ~ ${value}`);
  });
});

describe('grants', () => {
  test('ServiceAccount grants by namespace and name, or the whole namespace; never for a CI token', () => {
    assert.ok(grantMatches({ kind: 'serviceAccount', namespace: 'ci', name: 'builder' }, sa('ci', 'builder')));
    assert.ok(!grantMatches({ kind: 'serviceAccount', namespace: 'ci', name: 'builder' }, sa('ci', 'other')));
    assert.ok(grantMatches({ kind: 'serviceAccount', namespace: 'ci' }, sa('ci', 'other')));
    assert.ok(!grantMatches({ kind: 'serviceAccount', namespace: 'ci' }, sa('prod', 'builder')));
    assert.ok(!grantMatches({ kind: 'serviceAccount', namespace: 'ci' }, { ...ci({}), serviceAccount: { namespace: 'ci', name: 'x' } }));
  });

  test('OIDC grants: same issuer, every claim present and matching; no claims never match', () => {
    const subject = { kind: 'oidc' as const, issuer: 'https://token.actions.githubusercontent.com', claims: { repository: 'acme/*', ref: 'refs/heads/main' } };
    assert.ok(grantMatches(subject, ci({ repository: 'acme/app', ref: 'refs/heads/main' })));
    assert.ok(!grantMatches(subject, ci({ repository: 'acme/app', ref: 'refs/heads/dev' })));
    assert.ok(!grantMatches(subject, ci({ repository: 'acme/app' })));
    assert.ok(!grantMatches(subject, ci({ repository: 'acme/app', ref: 'refs/heads/main' }, 'https://gitlab.com')));
    assert.ok(!grantMatches(subject, ci({ repository: ['acme/app'], ref: 'refs/heads/main' })), 'arrays never match');
    assert.ok(grantMatches({ ...subject, claims: { project_id: '42' } }, ci({ project_id: 42 })));
    assert.ok(!grantMatches({ ...subject, claims: {} }, ci({ repository: 'acme/app' })));
  });

  test('scopes per owner are the union of matching grants; canRead and canWrite follow them', () => {
    const grants = [
      grant('a', { kind: 'serviceAccount', namespace: 'ci' }, ['read']),
      grant('a', { kind: 'serviceAccount', namespace: 'ci', name: 'builder' }, ['write']),
      grant('b', { kind: 'serviceAccount', namespace: 'prod' }, ['read']),
    ];
    const scopes = scopesByOwner(grants, sa('ci', 'builder'));
    assert.deepEqual([...scopes], [['a', ['read', 'write']]]);
    const principal = { kind: 'identity' as const, credential: 'kubernetes' as const, issuer: 'i', subject: 's', scopes };
    const owner = (name: string, visibility: Owner['visibility']): Owner => ({ name, visibility, managedBy: undefined, claims: [], upstream: false, createdAt: new Date(), updatedAt: new Date() });
    assert.ok(canRead(principal, owner('a', 'private')) && canWrite(principal, owner('a', 'private')));
    assert.ok(!canRead(principal, owner('b', 'private')) && !canWrite(principal, owner('b', 'public')));
    assert.ok(canRead(principal, owner('b', 'limited')), 'known through a grant elsewhere');
    assert.ok(!canRead({ ...principal, scopes: new Map() }, owner('b', 'limited')), 'a verified token no grant names is nobody');
  });

  test('admin ServiceAccounts', () => {
    const admins = [{ namespace: 'go-registry', name: 'operator' }];
    assert.ok(isAdminServiceAccount(admins, sa('go-registry', 'operator')));
    assert.ok(!isAdminServiceAccount(admins, sa('go-registry', 'other')));
    assert.ok(!isAdminServiceAccount(admins, { ...ci({}), serviceAccount: { namespace: 'go-registry', name: 'operator' } }));
  });
});

test('a JWT is told from an opaque token by its shape', () => {
  assert.ok(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'));
  assert.ok(looksLikeJwt('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'));
  for (const s of ['gor_' + 'a'.repeat(43), 'eyJ.only-two', 'eyJa.b.c.d', 'abc.def.ghi', 'eyJa.b+.c', 'eyJ' + 'a'.repeat(20_000) + '.b.c']) assert.ok(!looksLikeJwt(s), s);
});
