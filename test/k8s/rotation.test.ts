/**
 * Token rotation, driven through the real reconciler against the real API server and
 * registry, with the reconciler's clock moved forward (rotateAfter is at least an hour).
 * No operator process watches this namespace, so the test alone reconciles.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { keyOf } from '../../operator/api/gopackageowner.js';
import { GoPackageOwnerReconciler } from '../../operator/controller/gopackageowner-reconciler.js';
import { KubeClient } from '../../operator/controller/kube-client.js';
import { HttpRegistryAdminClient } from '../../operator/registry/admin-client.js';
import { curl } from '../support/curl.js';
import { tempDir } from '../support/paths.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';
import { installCrd } from './crd-install.js';
import { sharedCluster, type SharedCluster } from './cluster.js';

const ADMIN = 'rotation-admin-token-0123456789ab';
const HOUR = 3_600_000;
let cluster: SharedCluster;
let ns: string;
let registry: RegistryProcess;
let cleanup: () => Promise<void>;
let clock = Date.now();
let reconciler: GoPackageOwnerReconciler;

before(async () => {
  cluster = await sharedCluster();
  await installCrd(cluster);
  ns = await cluster.namespace('rotation');
  let dir: string;
  ({ dir, remove: cleanup } = await tempDir('rotation'));
  registry = await startRegistryProcess({ DATA_DIR: path.join(dir, 'data'), REGISTRY_ADMIN_TOKEN: ADMIN });
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  const endpoint = { publicUrl: registry.url, caPem: undefined, noSumDb: '*' };
  reconciler = new GoPackageOwnerReconciler(new KubeClient(kc), new HttpRegistryAdminClient(registry.url, ADMIN), endpoint, () => new Date(clock), 2 * HOUR);
}, { timeout: 60 * 60 * 1000 });
after(async () => {
  await registry?.stop();
  await cleanup?.();
  await cluster?.release();
});

const secret = async () => {
  const s = JSON.parse((await cluster.kubectl(['-n', ns, 'get', 'secret', 'rot-ci', '-o', 'json'])).stdout) as { data: Record<string, string>; metadata: { resourceVersion: string } };
  const get = (k: string) => (s.data[k] ? Buffer.from(s.data[k], 'base64').toString() : undefined);
  return { token: get('token')!, previous: get('previous-token'), netrc: get('.netrc')!, resourceVersion: s.metadata.resourceVersion };
};
const works = async (token: string) =>
  (await curl(['-H', `Authorization: Bearer ${token}`, `${registry.url}/api/packages/rot/go/example.com/x/@v/list`])).status !== 401;

test('rotateAfter issues a new token, keeps the old one for the grace period, then revokes it', async () => {
  const apply = await cluster.kubectl(['-n', ns, 'apply', '-f', '-'],
    'apiVersion: goregistry.dev/v1alpha1\nkind: GoPackageOwner\nmetadata: {name: rot}\nspec:\n  tokens:\n  - {name: ci, scopes: [read], rotateAfter: 24h}\n');
  assert.equal(apply.code, 0, apply.stderr);
  const key = keyOf(ns, 'rot');
  await reconciler.reconcile(key); // adds the finalizer, then syncs
  const first = await secret();
  assert.ok(await works(first.token));
  const status = JSON.parse((await cluster.kubectl(['-n', ns, 'get', 'gpo', 'rot', '-o', 'jsonpath={.status.tokens[0]}'])).stdout) as { issuedAt: string; rotateAt: string };
  assert.equal(Date.parse(status.rotateAt) - Date.parse(status.issuedAt), 24 * HOUR);

  clock += 1 * HOUR;
  const early = await reconciler.reconcile(key);
  assert.equal((await secret()).resourceVersion, first.resourceVersion, 'nothing due: no write');
  assert.ok(early && early.requeueAfterMs! > 0, 'a requeue is scheduled for the rotation');

  clock += 24 * HOUR;
  await reconciler.reconcile(key);
  const rotated = await secret();
  assert.notEqual(rotated.token, first.token);
  assert.equal(rotated.previous, first.token, 'the old value is kept for the grace period');
  assert.ok(rotated.netrc.includes(rotated.token));
  assert.ok(await works(rotated.token));
  assert.ok(await works(first.token), 'the old token still works during the grace period');

  clock += 2 * HOUR + 1000;
  await reconciler.reconcile(key);
  const settled = await secret();
  assert.equal(settled.token, rotated.token);
  assert.equal(settled.previous, undefined);
  assert.ok(await works(rotated.token));
  assert.equal(await works(first.token), false, 'revoked after the grace period');
});
