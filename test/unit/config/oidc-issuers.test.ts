import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../../registry/config/config.js';

const K8S = { issuer: 'https://kubernetes.default.svc.cluster.local', kind: 'kubernetes', audience: 'go-registry', url: 'https://kubernetes.default.svc', caFile: '/ca.crt', tokenFile: '/token' };

test('OIDC_ISSUERS: defaults per issuer; ADMIN_SERVICE_ACCOUNTS as namespace/name', () => {
  const c = loadConfig({ OIDC_ISSUERS: JSON.stringify([K8S, { issuer: 'https://token.actions.githubusercontent.com', audience: 'go-registry' }]), ADMIN_SERVICE_ACCOUNTS: 'go-registry/operator, ops/admin' });
  const [k8s, gh] = c.identity.issuers;
  assert.equal(k8s!.url, 'https://kubernetes.default.svc');
  assert.equal(k8s!.reviewCacheSeconds, 10);
  assert.equal(k8s!.tokenReview, true);
  assert.deepEqual(gh!.algorithms, ['RS256', 'ES256']);
  assert.equal(gh!.url, gh!.issuer);
  assert.equal(gh!.clockSkewSeconds, 30);
  assert.deepEqual(c.identity.adminServiceAccounts, [{ namespace: 'go-registry', name: 'operator' }, { namespace: 'ops', name: 'admin' }]);
  assert.deepEqual(loadConfig({}).identity, { issuers: [], adminServiceAccounts: [] });
});

test('bad identity settings are refused at boot, naming the problem', () => {
  const bad: [Record<string, string>, RegExp][] = [
    [{ OIDC_ISSUERS: 'not json' }, /OIDC_ISSUERS: not JSON/],
    [{ OIDC_ISSUERS: JSON.stringify([{ issuer: 'http://issuer.example', audience: 'a' }]) }, /https/],
    [{ OIDC_ISSUERS: JSON.stringify([{ issuer: 'https://i.example', audience: 'a', algorithms: ['HS256'] }]) }, /algorithms/],
    [{ OIDC_ISSUERS: JSON.stringify([{ issuer: 'https://i.example', audience: 'a', algorithms: ['none'] }]) }, /algorithms/],
    [{ OIDC_ISSUERS: JSON.stringify([{ issuer: 'https://i.example' }]) }, /audience/],
    [{ OIDC_ISSUERS: JSON.stringify([{ ...K8S, reviewCacheSeconds: 60 }]) }, /reviewCacheSeconds/],
    [{ OIDC_ISSUERS: JSON.stringify([{ ...K8S, extra: 1 }]) }, /extra|Unrecognized/],
    [{ OIDC_ISSUERS: JSON.stringify([K8S, K8S]) }, /twice/],
    [{ OIDC_ISSUERS: JSON.stringify([K8S]), ADMIN_SERVICE_ACCOUNTS: 'operator' }, /namespace\/name/],
    [{ ADMIN_SERVICE_ACCOUNTS: 'ns/operator' }, /kind kubernetes/],
  ];
  for (const [env, problem] of bad) assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && problem.test(err.message), JSON.stringify(env));
  assert.doesNotThrow(() => loadConfig({ OIDC_ISSUERS: JSON.stringify([{ issuer: 'http://127.0.0.1:5556', audience: 'a' }]) }), 'http on loopback for tests');
});

test('no admin token at all when ServiceAccounts are the admin and none is configured', async () => {
  const { tempDir } = await import('../../support/paths.js');
  const { adminTokenFor } = await import('../../../registry/config/admin-token.js');
  const { existsSync } = await import('node:fs');
  const path = await import('node:path');
  const { dir, remove } = await tempDir('admin-token-for');
  try {
    const issuers = JSON.stringify([K8S]);
    assert.equal(await adminTokenFor(loadConfig({ DATA_DIR: dir, OIDC_ISSUERS: issuers, ADMIN_SERVICE_ACCOUNTS: 'ns/operator' })), undefined);
    assert.equal(existsSync(path.join(dir, 'admin-token')), false, 'nothing generated');
    assert.equal((await adminTokenFor(loadConfig({ DATA_DIR: dir, OIDC_ISSUERS: issuers, ADMIN_SERVICE_ACCOUNTS: 'ns/operator', REGISTRY_ADMIN_TOKEN: 'break-glass-0123456789' })))?.value, 'break-glass-0123456789');
    assert.equal((await adminTokenFor(loadConfig({ DATA_DIR: dir })))?.generated, true, 'without admin ServiceAccounts, generated as before');
  } finally {
    await remove();
  }
});
