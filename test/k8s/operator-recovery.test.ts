/**
 * The API server restarted under a running operator: its watches break, and the
 * operator must notice, reconnect and go on reconciling. Needs a cluster of its own,
 * since restarting the shared one would disturb other suites.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { tempDir } from '../support/paths.js';
import { startOperatorProcess, type OperatorProcess } from '../support/operator-process.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';
import { installCrd } from './crd-install.js';
import { startCluster, type Cluster } from './cluster.js';
import { eventually } from '../support/eventually.js';
import { isReady } from './kubectl.js';

const ADMIN = 'recovery-admin-token-0123456789ab';
let cluster: Cluster;
let registry: RegistryProcess;
let operator: OperatorProcess;
let cleanup: () => Promise<void>;

const ready = (name: string, timeoutMs = 60_000) =>
  eventually(`${name} Ready`, async () => {
    const r = await cluster.kubectl(['-n', 'default', 'get', 'gpo', name, '-o', 'json']);
    return r.code === 0 && isReady(JSON.parse(r.stdout) as Parameters<typeof isReady>[0]);
  }, { timeoutMs, intervalMs: 500, context: () => `operator log:\n${operator.logs.slice(-10).join('\n')}` });
const apply = async (name: string) => {
  const r = await cluster.kubectl(['-n', 'default', 'apply', '-f', '-'],
    `apiVersion: goregistry.dev/v1alpha1\nkind: GoPackageOwner\nmetadata: {name: ${name}}\nspec: {visibility: public, tokens: [{name: t, scopes: [read]}]}\n`);
  assert.equal(r.code, 0, r.stderr);
};

before(async () => {
  cluster = await startCluster();
  await installCrd(cluster);
  let dir: string;
  ({ dir, remove: cleanup } = await tempDir('recovery'));
  registry = await startRegistryProcess({ DATA_DIR: path.join(dir, 'data'), REGISTRY_ADMIN_TOKEN: ADMIN });
  // Leader election off: an outage longer than the renew deadline makes a leader exit on purpose (as
  // controller-runtime does; the kubelet restarts it). This test is about the watches surviving in-process.
  operator = await startOperatorProcess({
    KUBECONFIG: cluster.kubeconfig, REGISTRY_URL: registry.url, REGISTRY_ADMIN_TOKEN: ADMIN, LEADER_ELECTION: 'false',
  });
}, { timeout: 60 * 60 * 1000 });
after(async () => {
  await operator?.stop();
  await registry?.stop();
  await cleanup?.();
  await cluster?.stop();
});

test('after an API server restart the operator reconnects and keeps reconciling', async () => {
  await apply('before-restart');
  await ready('before-restart');
  await cluster.restartApiServer();
  await apply('after-restart');
  await ready('after-restart');
  // Secret informer recovered too: a deleted Secret is rewritten.
  assert.equal((await cluster.kubectl(['-n', 'default', 'delete', 'secret', 'after-restart-t'])).code, 0);
  const deadline = Date.now() + 60_000;
  while ((await cluster.kubectl(['-n', 'default', 'get', 'secret', 'after-restart-t'])).code !== 0) {
    assert.ok(Date.now() < deadline, 'the deleted Secret was not rewritten');
    await new Promise((res) => setTimeout(res, 500));
  }
});
