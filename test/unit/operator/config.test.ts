import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadOperatorConfig, reloadCaFiles } from '../../../operator/config.js';
import { InformerGroup, type Informer } from '../../../operator/runtime/informer-group.js';

const base = { REGISTRY_URL: 'https://registry.example.svc', REGISTRY_ADMIN_TOKEN: 'admin-token-0123456789' };

describe('operator configuration: WATCH_NAMESPACE', () => {
  test('empty means every namespace', () => {
    assert.deepEqual(loadOperatorConfig(base).watchNamespaces, []);
    assert.deepEqual(loadOperatorConfig({ ...base, WATCH_NAMESPACE: '' }).watchNamespaces, []);
  });

  test('a comma-separated list, trimmed and de-duplicated, as the chart renders operator.watchNamespaces', () => {
    const c = loadOperatorConfig({ ...base, WATCH_NAMESPACE: 'team-a, team-b,team-a,' });
    assert.deepEqual(c.watchNamespaces, ['team-a', 'team-b']);
    // Leases default to the first watched namespace when the Pod's namespace is unknown.
    assert.equal(c.leaseNamespace, 'team-a');
    assert.equal(loadOperatorConfig({ ...base, WATCH_NAMESPACE: 'team-a', POD_NAMESPACE: 'go-registry' }).leaseNamespace, 'go-registry');
  });

  test('a name that is no namespace is refused with a message naming the variable', () => {
    assert.throws(() => loadOperatorConfig({ ...base, WATCH_NAMESPACE: 'Team_A' }), /WATCH_NAMESPACE: must be namespace names separated by commas/);
  });
});

describe('operator configuration: the CA in token Secrets', () => {
  test('defaults to the CA that verifies the registry; SECRET_CA_FILE replaces it; none leaves it out', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'operator-config-'));
    try {
      const [serviceCa, publicCa] = [path.join(dir, 'service.crt'), path.join(dir, 'public.crt')];
      await writeFile(serviceCa, 'SERVICE CA');
      await writeFile(publicCa, 'PUBLIC CA');
      const withCa = { ...base, REGISTRY_CA_FILE: serviceCa };
      assert.deepEqual([loadOperatorConfig(withCa).caPem, loadOperatorConfig(withCa).secretCaPem], ['SERVICE CA', 'SERVICE CA']);
      const replaced = loadOperatorConfig({ ...withCa, SECRET_CA_FILE: publicCa });
      assert.deepEqual([replaced.caPem, replaced.secretCaPem], ['SERVICE CA', 'PUBLIC CA']);
      const none = loadOperatorConfig({ ...withCa, SECRET_CA_FILE: 'none' });
      assert.deepEqual([none.caPem, none.secretCaPem], ['SERVICE CA', undefined]);
      assert.equal(loadOperatorConfig(base).secretCaPem, undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('reloadCaFiles: a replaced CA file replaces the CA it was read into; an unreadable one keeps the last', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'operator-config-'));
    try {
      const [serviceCa, publicCa] = [path.join(dir, 'service.crt'), path.join(dir, 'public.crt')];
      await writeFile(serviceCa, 'SERVICE CA 1');
      await writeFile(publicCa, 'PUBLIC CA 1');
      const same = loadOperatorConfig({ ...base, REGISTRY_CA_FILE: serviceCa });
      const apart = loadOperatorConfig({ ...base, REGISTRY_CA_FILE: serviceCa, SECRET_CA_FILE: publicCa });
      const none = loadOperatorConfig({ ...base, REGISTRY_CA_FILE: serviceCa, SECRET_CA_FILE: 'none' });
      assert.deepEqual(reloadCaFiles(same), [], 'nothing changed');
      await writeFile(serviceCa, 'SERVICE CA 2');
      assert.deepEqual(reloadCaFiles(same), ['registry', 'secret']);
      assert.deepEqual([same.caPem, same.secretCaPem], ['SERVICE CA 2', 'SERVICE CA 2']);
      assert.deepEqual(reloadCaFiles(apart), ['registry']);
      assert.deepEqual([apart.caPem, apart.secretCaPem], ['SERVICE CA 2', 'PUBLIC CA 1']);
      assert.deepEqual(reloadCaFiles(none), ['registry']);
      assert.equal(none.secretCaPem, undefined, 'none stays none');
      await rm(serviceCa);
      assert.deepEqual(reloadCaFiles(same), [], 'a file being replaced (absent for a moment) keeps the last CA');
      assert.equal(same.caPem, 'SERVICE CA 2');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('InformerGroup', () => {
  const member = (items: string[], synced: boolean) => {
    const calls: string[] = [];
    const informer: Informer<{ metadata: { name: string } }> & { calls: string[] } = {
      calls,
      synced,
      start: async () => void calls.push('start'),
      stop: async () => void calls.push('stop'),
      cached: () => items.map((name) => ({ metadata: { name } })),
      get: (_ns, name) => (items.includes(name) ? { metadata: { name } } : undefined),
    };
    return informer;
  };

  test('starts and stops every member, merges their caches, and is synced only when all are', async () => {
    const a = member(['x'], true);
    const b = member(['y', 'z'], false);
    const group = new InformerGroup([a, b]);
    await group.start();
    await group.stop();
    assert.deepEqual([a.calls, b.calls], [['start', 'stop'], ['start', 'stop']]);
    assert.deepEqual(group.cached().map((o) => o.metadata.name), ['x', 'y', 'z']);
    assert.deepEqual([group.get('ns', 'y')?.metadata.name, group.get('ns', 'w')], ['y', undefined]);
    assert.equal(group.synced, false);
    b.synced = true;
    assert.equal(group.synced, true);
  });
});

describe('operator configuration: its credential for the admin API', () => {
  test('a ServiceAccount token file is read again for every call; an admin token beside it is refused', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'operator-config-'));
    try {
      const file = path.join(dir, 'token');
      await writeFile(file, 'first\n');
      const c = loadOperatorConfig({ REGISTRY_URL: base.REGISTRY_URL, REGISTRY_SERVICE_ACCOUNT_TOKEN_FILE: file });
      assert.equal(c.credentialKind, 'service-account-token');
      assert.equal(c.adminCredential(), 'first');
      await writeFile(file, 'rotated\n');
      assert.equal(c.adminCredential(), 'rotated');
      assert.throws(() => loadOperatorConfig({ ...base, REGISTRY_SERVICE_ACCOUNT_TOKEN_FILE: file }), /set one/);
      assert.throws(() => loadOperatorConfig({ REGISTRY_URL: base.REGISTRY_URL, REGISTRY_SERVICE_ACCOUNT_TOKEN_FILE: path.join(dir, 'missing') }), /ENOENT/);
      assert.throws(() => loadOperatorConfig({ REGISTRY_URL: base.REGISTRY_URL }), /REGISTRY_SERVICE_ACCOUNT_TOKEN_FILE, REGISTRY_ADMIN_TOKEN or REGISTRY_ADMIN_TOKEN_FILE/);
      assert.equal(loadOperatorConfig(base).adminCredential(), base.REGISTRY_ADMIN_TOKEN);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
