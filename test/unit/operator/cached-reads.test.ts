/**
 * The operator's cached reads and pooled connections, without a cluster: reads come from the cache
 * until a write of this process supersedes what the cache shows, then from the API server (here an
 * address nobody answers, so a read that goes there fails: the witness); one keep-alive agent per
 * set of TLS options.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KubeConfig, type KubernetesObject, type V1Secret } from '@kubernetes/client-node';
import type { GoPackageOwner } from '../../../operator/api/gopackageowner.js';
import { CachedKubeClient, Superseded, type CacheReader } from '../../../operator/runtime/cached-kube-client.js';
import { EchoFilter } from '../../../operator/runtime/echo-filter.js';
import { poolKubeAgents } from '../../../operator/runtime/kube-agents.js';
import { trimCached } from '../../../operator/runtime/resilient-informer.js';

function unreachableKubeConfig(server = 'https://127.0.0.1:1'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'x' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  return kc;
}

function reader<T extends { metadata?: { namespace?: string; name?: string } }>(items: T[]): CacheReader<T> {
  return {
    synced: true,
    cached: () => items,
    get: (ns, name) => items.find((o) => o.metadata?.namespace === ns && o.metadata?.name === name),
  };
}

const gpo = (rv: string): GoPackageOwner => ({ apiVersion: 'goregistry.dev/v1alpha1', kind: 'GoPackageOwner', metadata: { namespace: 'ns', name: 'acme', resourceVersion: rv, uid: 'u1' }, spec: { visibility: 'private', tokens: [] } } as GoPackageOwner);
const secret = (name: string, rv: string): V1Secret => ({ metadata: { namespace: 'ns', name, resourceVersion: rv, labels: { 'goregistry.dev/gopackageowner': 'acme' } } });

describe('Superseded', () => {
  test('a superseded version is stale until the cache shows another; records expire', () => {
    let now = 0;
    const s = new Superseded(() => now);
    assert.equal(s.stale('k', { metadata: { resourceVersion: '1' } }), false);
    s.record('k', '1');
    assert.equal(s.stale('k', { metadata: { resourceVersion: '1' } }), true);
    assert.equal(s.stale('k', { metadata: { resourceVersion: '2' } }), false, 'the cache caught up');
    assert.equal(s.size, 0);
    s.record('k', undefined); // a create: absence is stale
    assert.equal(s.stale('k', undefined), true);
    now = 61_000;
    assert.equal(s.stale('k', undefined), false, 'a minute later the record is gone');
  });
});

describe('CachedKubeClient', () => {
  test('serves the cache until its own write, then reads the API server', async () => {
    const owners = reader([gpo('5')]);
    const client = new CachedKubeClient(unreachableKubeConfig(), owners, reader<V1Secret>([]));
    assert.equal((await client.getGoPackageOwner('ns', 'acme'))?.metadata?.resourceVersion, '5', 'no request: nobody answers there');
    await assert.rejects(client.updateStatus(gpo('5'))); // recorded, then refused by the unreachable server
    await assert.rejects(client.getGoPackageOwner('ns', 'acme'), 'version 5 is superseded: the read goes to the API server');
  });

  test("lists a resource's Secrets from the cache; one it rewrote sends the list to the API server", async () => {
    const secrets = reader([secret('acme-ci', '7'), secret('other', '8')]);
    secrets.cached()[1]!.metadata!.labels = { 'goregistry.dev/gopackageowner': 'other' };
    const client = new CachedKubeClient(unreachableKubeConfig(), reader<GoPackageOwner>([]), secrets);
    assert.deepEqual((await client.listSecrets('ns', 'acme')).map((s) => s.metadata?.name), ['acme-ci']);
    assert.equal((await client.readSecret('ns', 'acme-ci'))?.metadata?.resourceVersion, '7');
    await assert.rejects(client.readSecret('ns', 'acme-absent'), 'not cached: asked of the API server');
    await assert.rejects(client.replaceSecret(secret('acme-ci', '7'), secret('acme-ci', '7')));
    await assert.rejects(client.listSecrets('ns', 'acme'));
    await assert.rejects(client.readSecret('ns', 'acme-ci'));
  });
});

describe('poolKubeAgents', () => {
  test('one keep-alive agent per set of TLS options, bounded', () => {
    const kc = unreachableKubeConfig();
    const close = poolKubeAgents(kc, { maxSockets: 7 });
    const create = (kc as unknown as { createAgent(c: unknown, o: Record<string, unknown>): { keepAlive: boolean; maxSockets: number } }).createAgent.bind(kc);
    const cluster = kc.getCurrentCluster();
    const a = create(cluster, { ca: 'CA1', rejectUnauthorized: false });
    assert.equal(create(cluster, { ca: 'CA1', rejectUnauthorized: false }), a);
    assert.equal(a.keepAlive, true);
    assert.equal(a.maxSockets, 7);
    assert.notEqual(create(cluster, { ca: 'CA2', rejectUnauthorized: false }), a, 'a rotated CA gets its own agent');
    close();
  });
});

test('trimCached drops managedFields and keeps everything else', () => {
  const s = { metadata: { name: 'x', annotations: { a: 'b' }, managedFields: [{ manager: 'kubectl' }] }, data: { token: 'dA==' } };
  assert.deepEqual(trimCached(s), { metadata: { name: 'x', annotations: { a: 'b' } }, data: { token: 'dA==' } });
});

describe('EchoFilter', () => {
  // As the watch delivers it: JSON, so the deletion timestamp is a string.
  const owner = (generation: number, finalizers: string[] = [], deletionTimestamp?: string): KubernetesObject =>
    ({ metadata: { generation, finalizers, ...(deletionTimestamp ? { deletionTimestamp: deletionTimestamp as unknown as Date } : {}) } });

  test("a status-only update, or one the operator wrote itself, is no reason to reconcile; a spec change, an add or a delete is", () => {
    const f = new EchoFilter();
    assert.equal(f.ownerEvent('ns/a', owner(1), 'add'), true);
    f.wroteOwner('ns/a', owner(1, ['goregistry.dev/cleanup']));
    assert.equal(f.ownerEvent('ns/a', owner(1, ['goregistry.dev/cleanup']), 'update'), false, 'the finalizer it added');
    assert.equal(f.ownerEvent('ns/a', owner(1, ['goregistry.dev/cleanup']), 'update'), false, 'its status write');
    assert.equal(f.ownerEvent('ns/a', owner(2, ['goregistry.dev/cleanup']), 'update'), true, 'a new spec');
    assert.equal(f.ownerEvent('ns/a', owner(2, ['goregistry.dev/cleanup'], '2026-01-01T00:00:00Z'), 'update'), true, 'deletion');
    assert.equal(f.ownerEvent('ns/a', owner(2, ['goregistry.dev/cleanup']), 'add'), true, 'a relist re-delivers every resource');
    assert.equal(f.ownerEvent('ns/a', owner(2), 'delete'), true);
  });

  test("a Secret's add right after the operator created it is an echo; an edit, a removal or a later add are not", () => {
    let now = 0;
    const f = new EchoFilter(() => now);
    f.createdSecret('ns/a-ci');
    assert.equal(f.secretEvent('ns/a-ci', 'add'), false);
    assert.equal(f.secretEvent('ns/a-ci', 'update'), true);
    assert.equal(f.secretEvent('ns/a-ci', 'delete'), true);
    assert.equal(f.secretEvent('ns/a-ci', 'add'), true, 'the echo was seen once');
    f.createdSecret('ns/b-ci');
    now = 61_000;
    assert.equal(f.secretEvent('ns/b-ci', 'add'), true, 'too late to be the echo');
  });
});
