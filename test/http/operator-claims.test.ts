/**
 * The operator's side of claims against the real admin API (the registry in-process): the
 * client tells a claim conflict from an owner conflict and an invalid claim by the registry's
 * own answers, and the reconciler turns them into conditions, rechecks a conflict without a
 * hot loop, leaves an invalid claim alone until the spec changes, and writes nothing while it
 * waits. Kubernetes is a small in-memory fake here (test/k8s/operator.test.ts runs it for real).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Secret } from '@kubernetes/client-node';
import { keyOf, type GoPackageOwner } from '../../operator/api/gopackageowner.js';
import { CONFLICT_RECHECK_MS, GoPackageOwnerReconciler } from '../../operator/controller/gopackageowner-reconciler.js';
import type { KubeClient } from '../../operator/controller/kube-client.js';
import { ClaimConflictError, HttpRegistryAdminClient, InvalidClaimError, OwnerConflictError } from '../../operator/registry/admin-client.js';
import { TerminalError } from '../../operator/runtime/controller.js';
import { ADMIN_TOKEN, useTestRegistry } from '../support/in-process-registry.js';

const h = useTestRegistry('operator-claims');
const client = () => new HttpRegistryAdminClient(h.reg.url, ADMIN_TOKEN);
const settings = (claims: string[], managedBy = 'uid-x', upstream = false) => ({ visibility: 'private' as const, managedBy, claims, upstream });

/** GoPackageOwners and Secrets in memory, counting the writes a real API server would see. */
class FakeKube {
  readonly resources = new Map<string, GoPackageOwner>();
  readonly secrets = new Map<string, V1Secret>();
  writes = { status: 0, secrets: 0 };
  apply(name: string, spec: GoPackageOwner['spec']) {
    const current = this.resources.get(keyOf('ci', name));
    const generation = (current?.metadata?.generation ?? 0) + 1;
    this.resources.set(keyOf('ci', name), { apiVersion: 'goregistry.dev/v1alpha1', kind: 'GoPackageOwner', metadata: { name, namespace: 'ci', uid: `uid-${name}`, generation, finalizers: current?.metadata?.finalizers }, spec, status: current?.status });
  }
  ready(name: string) {
    return this.resources.get(keyOf('ci', name))?.status?.conditions?.find((c) => c.type === 'Ready');
  }
  secretValue(name: string, key: string) {
    const raw = this.secrets.get(name)?.data?.[key];
    return raw && Buffer.from(raw, 'base64').toString();
  }
  async getGoPackageOwner(ns: string, name: string) {
    return structuredClone(this.resources.get(keyOf(ns, name)));
  }
  async updateGoPackageOwner(cr: GoPackageOwner) {
    this.resources.set(keyOf(cr.metadata!.namespace!, cr.metadata!.name!), structuredClone(cr));
    return structuredClone(cr);
  }
  async updateStatus(cr: GoPackageOwner) {
    this.writes.status++;
    this.resources.get(keyOf(cr.metadata!.namespace!, cr.metadata!.name!))!.status = structuredClone(cr.status);
  }
  async listSecrets(_ns: string, resource: string) {
    return [...this.secrets.values()].filter((s) => s.metadata?.labels?.['goregistry.dev/gopackageowner'] === resource).map((s) => structuredClone(s));
  }
  async readSecret(_ns: string, name: string) {
    return structuredClone(this.secrets.get(name));
  }
  async createSecret(s: V1Secret) {
    this.writes.secrets++;
    this.secrets.set(s.metadata!.name!, structuredClone(s));
  }
  async replaceSecret(_live: V1Secret, s: V1Secret) {
    this.writes.secrets++;
    this.secrets.set(s.metadata!.name!, structuredClone(s));
  }
  async deleteSecret(_ns: string, name: string) {
    this.secrets.delete(name);
  }
  async event() {}
}

describe('operator: claims through the admin API', () => {
  test('the client sends claims and upstream, and tells the three refusals apart by the registry\'s answers', async () => {
    const c = client();
    assert.equal(await c.putOwner('first', settings(['a.example/team', 'b.example'], 'uid-first', true)), true);
    const first = await c.getOwner('first');
    assert.deepEqual([first?.claims, first?.upstream], [['a.example/team', 'b.example'], true]);

    const overlap = await c.putOwner('second', settings(['a.example/team/tools'])).catch((e: unknown) => e);
    assert.ok(overlap instanceof ClaimConflictError, String(overlap));
    assert.match(overlap.message, /claim "a.example\/team\/tools" overlaps "a.example\/team", claimed by owner first/);
    const taken = await c.putOwner('first', settings([], 'uid-somebody-else')).catch((e: unknown) => e);
    assert.ok(taken instanceof OwnerConflictError, String(taken));
    // The CRD's pattern lets this through; go's module-path rules (the registry's) do not.
    const invalid = await c.putOwner('second', settings(['a.example/con'])).catch((e: unknown) => e);
    assert.ok(invalid instanceof InvalidClaimError, String(invalid));
    assert.match(invalid.message, /invalid claim "a.example\/con"/);
    assert.equal(await c.getOwner('second'), undefined, 'refused PUTs create nothing');
    await c.deleteOwner('first', true);
  });

  test('reconciler: ClaimConflict rechecked without writes while waiting, resolved once the other resource drops the claim', async () => {
    const kube = new FakeKube();
    const endpoint = { publicUrl: h.reg.url, caPem: undefined, noSumDb: '*' };
    const reconciler = new GoPackageOwnerReconciler(kube as unknown as KubeClient, client(), endpoint);
    kube.apply('holder', { claims: ['corp.example/payments'], upstream: true, tokens: [{ name: 'ci', scopes: ['read'] }] });
    assert.equal(await reconciler.reconcile('ci/holder'), undefined);
    assert.equal(kube.ready('holder')?.status, 'True');
    assert.equal(kube.secretValue('holder-ci', 'GONOSUMDB'), 'corp.example/payments');
    assert.equal(kube.secretValue('holder-ci', 'GOPROXY'), `${h.reg.url}/api/packages/holder/go`);

    kube.apply('wants', { claims: ['corp.example/payments/ledger', 'corp.example/wants'], tokens: [{ name: 'ci', scopes: ['read'] }] });
    assert.deepEqual(await reconciler.reconcile('ci/wants'), { requeueAfterMs: CONFLICT_RECHECK_MS }, 'a recheck later, not a hot loop');
    const waiting = kube.ready('wants');
    assert.deepEqual([waiting?.status, waiting?.reason], ['False', 'ClaimConflict']);
    assert.match(waiting!.message, /claim "corp.example\/payments\/ledger" overlaps "corp.example\/payments", claimed by owner holder/);
    assert.equal(kube.secrets.has('wants-ci'), false, 'tokens wait for the claims');
    assert.equal((await client().getOwner('wants')), undefined, 'the registry took nothing');

    const writes = { ...kube.writes };
    for (let i = 0; i < 3; i++) assert.deepEqual(await reconciler.reconcile('ci/wants'), { requeueAfterMs: CONFLICT_RECHECK_MS });
    assert.deepEqual(kube.writes, writes, 'waiting writes nothing');

    kube.apply('holder', { claims: ['corp.example/payments/core'], upstream: true, tokens: [{ name: 'ci', scopes: ['read'] }] });
    await reconciler.reconcile('ci/holder');
    assert.equal(kube.secretValue('holder-ci', 'GONOSUMDB'), 'corp.example/payments/core', 'the Secret follows the claims');
    await reconciler.reconcile('ci/wants');
    assert.equal(kube.ready('wants')?.status, 'True');
    assert.deepEqual((await client().getOwner('wants'))?.claims, ['corp.example/payments/ledger', 'corp.example/wants']);
    assert.equal(kube.secretValue('wants-ci', 'GONOSUMDB'), 'corp.example/payments/ledger,corp.example/wants');
  });

  test('reconciler: an invalid claim is InvalidClaim and terminal, checked before the registry is asked, kept until the spec changes', async () => {
    const kube = new FakeKube();
    const reconciler = new GoPackageOwnerReconciler(kube as unknown as KubeClient, client(), { publicUrl: h.reg.url, caPem: undefined, noSumDb: '*' });
    kube.apply('bad', { claims: ['example.com/x', 'example.com/x/y'] });
    await assert.rejects(reconciler.reconcile('ci/bad'), (e: unknown) => e instanceof TerminalError && /overlap/.test(e.message));
    assert.deepEqual([kube.ready('bad')?.status, kube.ready('bad')?.reason], ['False', 'InvalidClaim']);
    assert.equal(await client().getOwner('bad'), undefined);
    kube.apply('bad', { claims: ['example.com/aux'] });
    await assert.rejects(reconciler.reconcile('ci/bad'), TerminalError);
    assert.match(kube.ready('bad')!.message, /invalid claim "example.com\/aux"/, 'the registry\'s own rule, as it words it');
    kube.apply('bad', { claims: ['example.com/x'] });
    await reconciler.reconcile('ci/bad');
    assert.equal(kube.ready('bad')?.status, 'True');
  });
});
