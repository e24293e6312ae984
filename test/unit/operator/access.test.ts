import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { accessProblem, desiredGrants, type AccessSpec } from '../../../operator/api/access.js';
import { syncAccess } from '../../../operator/controller/access-sync.js';
import type { RegistryAdminClient, RegistryGrant } from '../../../operator/registry/admin-client.js';

const GH = 'https://token.actions.githubusercontent.com';

describe('spec.access', () => {
  test('desired grants: the namespace defaults to the resource’s, scopes sorted and de-duplicated', () => {
    assert.deepEqual(desiredGrants([
      { name: 'builder', scopes: ['write', 'read', 'read'], serviceAccount: { name: 'builder' } },
      { name: 'ci', scopes: ['read'], serviceAccount: { namespace: 'ci' } },
      { name: 'release', scopes: ['write'], oidc: { issuer: GH, claims: { repository: 'acme/*' } } },
    ], 'team-a'), [
      { name: 'builder', scopes: ['read', 'write'], serviceAccount: { namespace: 'team-a', name: 'builder' } },
      { name: 'ci', scopes: ['read'], serviceAccount: { namespace: 'ci' } },
      { name: 'release', scopes: ['write'], oidc: { issuer: GH, claims: { repository: 'acme/*' } } },
    ]);
    assert.deepEqual(desiredGrants(undefined, 'x'), []);
  });

  test('problems name the entry', () => {
    const bad: [AccessSpec[], RegExp][] = [
      [[{ name: 'a', scopes: ['read'] }], /exactly one/],
      [[{ name: 'a', scopes: ['read'], serviceAccount: {}, oidc: { issuer: GH, claims: { sub: 'x' } } }], /exactly one/],
      [[{ name: 'a', scopes: ['read'], oidc: { issuer: GH, claims: {} } }], /at least one claim/],
      [[{ name: 'a', scopes: [], serviceAccount: {} }], /scopes/],
      [[{ name: 'A', scopes: ['read'], serviceAccount: {} }], /name/],
      [[{ name: 'a', scopes: ['read'], serviceAccount: {} }, { name: 'a', scopes: ['read'], serviceAccount: {} }], /twice/],
    ];
    for (const [access, problem] of bad) assert.match(accessProblem(access) ?? '', problem);
    assert.equal(accessProblem([{ name: 'a', scopes: ['read'], serviceAccount: {} }]), undefined);
  });
});

describe('syncAccess', () => {
  /** The registry's grant list and the calls made to it. */
  function registry(initial: RegistryGrant[]) {
    let grants = [...initial];
    const calls: string[] = [];
    const client = {
      listGrants: async () => grants.map((g) => JSON.parse(JSON.stringify(g)) as RegistryGrant),
      putGrant: async (_owner: string, g: RegistryGrant) => {
        calls.push(`put ${g.name}`);
        grants = [...grants.filter((x) => x.name !== g.name), g];
      },
      deleteGrant: async (_owner: string, name: string) => {
        calls.push(`delete ${name}`);
        grants = grants.filter((x) => x.name !== name);
      },
    } as unknown as RegistryAdminClient;
    return { client, calls };
  }
  const notes: string[] = [];
  const note = (_t: string, reason: string) => void notes.push(reason);

  test('puts what is missing or differs, deletes what left the spec, and at rest only reads', async () => {
    const want = desiredGrants([
      { name: 'keep', scopes: ['read'], serviceAccount: { name: 'app' } },
      { name: 'change', scopes: ['read', 'write'], oidc: { issuer: GH, claims: { repository: 'acme/app' } } },
      { name: 'new', scopes: ['read'], serviceAccount: {} },
    ], 'ns');
    const r = registry([
      { name: 'keep', scopes: ['read'], serviceAccount: { namespace: 'ns', name: 'app' } },
      { name: 'change', scopes: ['read'], oidc: { issuer: GH, claims: { repository: 'acme/app' } } },
      { name: 'gone', scopes: ['read'], serviceAccount: { namespace: 'ns' } },
    ]);
    assert.deepEqual(await syncAccess('acme', want, r.client, note), ['change', 'keep', 'new']);
    assert.deepEqual(r.calls, ['put change', 'put new', 'delete gone']);
    assert.deepEqual(notes, ['GrantUpdated', 'GrantCreated', 'GrantRevoked']);
    r.calls.length = 0;
    await syncAccess('acme', want, r.client, note);
    assert.deepEqual(r.calls, [], 'level-based: nothing to do the second time');
  });
});
