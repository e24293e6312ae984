/** Claims and the upstream switch in the operator's pure parts: the spec's form, the registry compare, token Secrets, waking waiters. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { CLAIM_PATTERN, claimProblem } from '../../../operator/api/claims.js';
import { desiredOwner, type GoPackageOwner } from '../../../operator/api/gopackageowner.js';
import { claimWaiters } from '../../../operator/controller/claim-waiters.js';
import { goEnv, secretMatches, tokenSecret } from '../../../operator/controller/desired/token-secret.js';
import { ownerInPlace, ownerSummary } from '../../../operator/controller/gopackageowner-reconciler.js';
import { REPO_ROOT } from '../../support/paths.js';

const cr = (name: string, spec: GoPackageOwner['spec'] = {}, reason?: string): GoPackageOwner => ({
  apiVersion: 'goregistry.dev/v1alpha1',
  kind: 'GoPackageOwner',
  metadata: { name, namespace: 'ci', uid: `uid-${name}`, generation: 1 },
  spec,
  ...(reason ? { status: { conditions: [{ type: 'Ready', status: 'False', reason, message: 'm', lastTransitionTime: '2026-01-01T00:00:00Z' }] } } : {}),
});
const decoded = (data: Record<string, string> | undefined) => Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
const endpoint = { publicUrl: 'https://go.example.com/', caPem: undefined, noSumDb: '*' };

describe('spec.claims', () => {
  test('module-path prefixes pass; other forms and overlaps are named', () => {
    assert.equal(claimProblem([]), undefined);
    assert.equal(claimProblem(['example.com/acme', 'corp.example', 'gopkg.in/acme.v1', 'example.com/Acme_x~1/y-z']), undefined);
    assert.equal(claimProblem(['example.com/acme', 'example.com/acmeish']), undefined, 'path-element boundaries: acmeish is not under acme');
    for (const bad of ['acme', 'Example.com/x', 'example.com/', '/example.com', 'example.com//x', 'example.com/.x', 'example.com/x.', 'exa mple.com', '-x.com', 'example.com/a b']) {
      assert.match(claimProblem([bad]) ?? '', new RegExp(`invalid claim "${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`), bad);
    }
    assert.equal(claimProblem(['example.com/acme', 'example.com/acme/tools']), 'claims "example.com/acme" and "example.com/acme/tools" overlap: keep the shorter one');
    assert.match(claimProblem(['example.com/acme/tools', 'example.com/acme']) ?? '', /overlap/, 'in either order');
    assert.match(claimProblem(Array.from({ length: 65 }, (_, i) => `c${i}.example`)) ?? '', /at most 64 claims/);
    assert.match(claimProblem([`example.com/${'x'.repeat(300)}`]) ?? '', /longer than 256/);
  });

  test('the CRD validates with the same pattern and limits', async () => {
    const crd = parseYaml(await readFile(path.join(REPO_ROOT, 'crds', 'goregistry.dev_gopackageowners.yaml'), 'utf8'));
    const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties;
    assert.equal(spec.claims.items.pattern, CLAIM_PATTERN);
    assert.equal(spec.claims.items.maxLength, 256);
    assert.equal(spec.claims.maxItems, 64);
    assert.equal(spec.claims['x-kubernetes-list-type'], 'set');
    assert.deepEqual(spec.upstream, { ...spec.upstream, type: 'boolean', default: false });
  });

  test('desired: claims sorted without duplicates (the registry\'s form), upstream off by default', () => {
    const d = desiredOwner(cr('acme', { claims: ['z.example', 'example.com/acme', 'z.example'], upstream: true }));
    assert.deepEqual([d.claims, d.upstream], [['example.com/acme', 'z.example'], true]);
    assert.deepEqual([desiredOwner(cr('acme')).claims, desiredOwner(cr('acme')).upstream], [[], false]);
  });

  test('the registry owner is in place only when managedBy, visibility, claims and upstream all agree', () => {
    const desired = desiredOwner(cr('acme', { visibility: 'private', claims: ['b.example', 'a.example'], upstream: true }));
    const current = { name: 'acme', visibility: 'private' as const, managedBy: 'uid-acme', claims: ['a.example', 'b.example'], upstream: true, tokens: [] };
    assert.ok(ownerInPlace(current, 'uid-acme', desired));
    assert.ok(!ownerInPlace({ ...current, claims: ['a.example'] }, 'uid-acme', desired));
    assert.ok(!ownerInPlace({ ...current, upstream: false }, 'uid-acme', desired));
    assert.ok(!ownerInPlace(current, 'uid-other', desired));
    const plain = desiredOwner(cr('acme', { visibility: 'private' }));
    assert.ok(ownerInPlace({ name: 'acme', visibility: 'private', managedBy: 'uid-acme', tokens: [] }, 'uid-acme', plain), 'a registry that predates claims: none, upstream off');
    assert.equal(ownerSummary(desired), 'owner acme is private, claims a.example, b.example, upstream on');
    assert.equal(ownerSummary(plain), 'owner acme is private, no claims, upstream off');
  });
});

describe('token Secrets with claims', () => {
  test('GONOSUMDB lists the claims; without claims the configured value; GOPROXY is the owner\'s endpoint', () => {
    const claimed = desiredOwner(cr('acme', { claims: ['example.com/acme', 'corp.example/acme'], upstream: true }));
    assert.deepEqual(goEnv(endpoint.publicUrl, claimed, '*'), { GOPROXY: 'https://go.example.com/api/packages/acme/go', GONOSUMDB: 'corp.example/acme,example.com/acme' });
    assert.deepEqual(goEnv(endpoint.publicUrl, { ...claimed, upstream: false }, '*').GOPROXY, 'https://go.example.com/api/packages/acme/go');
    assert.deepEqual(goEnv('https://go.example.com', desiredOwner(cr('acme')), '*'), { GOPROXY: 'https://go.example.com/api/packages/acme/go', GONOSUMDB: '*' });
    assert.equal(goEnv('https://go.example.com', desiredOwner(cr('acme', { owner: 'team' })), 'example.com/*').GONOSUMDB, 'example.com/*');
  });

  test("with the registry's own checksum database: GOSUMDB points at it and nothing is exempt", () => {
    const claimed = desiredOwner(cr('acme', { claims: ['example.com/acme'] }));
    const db = { name: 'go-registry', verifierKey: 'go-registry+01234567+AbCd' };
    assert.deepEqual(goEnv('https://go.example.com/', claimed, '*', db), {
      GOPROXY: 'https://go.example.com/api/packages/acme/go',
      GOSUMDB: 'go-registry+01234567+AbCd https://go.example.com/sumdb/go-registry',
    });
  });

  test('the Secret carries them, and a change of claims is a change to write; the same claims are not', () => {
    const resource = cr('acme', { claims: ['example.com/acme'], tokens: [{ name: 'ci', scopes: ['read'] }] });
    const build = (spec: GoPackageOwner['spec']) => {
      const d = desiredOwner({ ...resource, spec });
      return tokenSecret(resource, d, d.tokens[0]!, 'gor_x', '2026-01-01T00:00:00Z', endpoint);
    };
    const live = build(resource.spec);
    assert.equal(decoded(live.data).GONOSUMDB, 'example.com/acme');
    assert.equal(decoded(live.data).GOPROXY, 'https://go.example.com/api/packages/acme/go');
    assert.ok(secretMatches(live, build({ ...resource.spec, claims: ['example.com/acme', 'example.com/acme'] })), 'same claims: no write');
    const more = build({ ...resource.spec, claims: ['example.com/acme', 'corp.example'] });
    assert.ok(!secretMatches(live, more));
    assert.equal(decoded(more.data).GONOSUMDB, 'corp.example,example.com/acme');
    assert.equal(decoded(build({ ...resource.spec, claims: [] }).data).GONOSUMDB, '*');
  });
});

describe('claim waiters', () => {
  test('a change to any other resource wakes those in ClaimConflict, not itself nor the others', () => {
    const cached = [cr('a'), cr('b', {}, 'ClaimConflict'), cr('c', {}, 'OwnerConflict'), cr('d', {}, 'ClaimConflict')];
    assert.deepEqual(claimWaiters(cached, cr('a')), ['ci/b', 'ci/d']);
    assert.deepEqual(claimWaiters(cached, cr('b')), ['ci/d']);
    assert.deepEqual(claimWaiters([cr('a')], cr('gone')), []);
    const recovered = cr('b');
    recovered.status = { conditions: [{ type: 'Ready', status: 'True', reason: 'ClaimConflict', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] };
    assert.deepEqual(claimWaiters([recovered], cr('a')), [], 'only Ready=False waits');
  });
});
