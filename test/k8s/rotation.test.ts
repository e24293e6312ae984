/**
 * Token rotation, driven through the real reconciler against the real API server and
 * registry, with the reconciler's clock moved forward (rotateAfter is at least an hour).
 * No operator process watches this namespace, so the test alone reconciles, and a test
 * can stop reconciling, as a stopped operator would.
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
let makeReconciler: (now: () => Date, graceMs: number) => GoPackageOwnerReconciler;

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
  makeReconciler = (now, graceMs) => new GoPackageOwnerReconciler(new KubeClient(kc), new HttpRegistryAdminClient(registry.url, ADMIN), endpoint, now, graceMs);
  reconciler = makeReconciler(() => new Date(clock), 2 * HOUR);
}, { timeout: 60 * 60 * 1000 });
after(async () => {
  await registry?.stop();
  await cleanup?.();
  await cluster?.release();
});

const secret = async (name = 'rot-ci') => {
  const s = JSON.parse((await cluster.kubectl(['-n', ns, 'get', 'secret', name, '-o', 'json'])).stdout) as {
    data: Record<string, string>;
    metadata: { resourceVersion: string; annotations: Record<string, string> };
  };
  const get = (k: string) => (s.data[k] ? Buffer.from(s.data[k], 'base64').toString() : undefined);
  const previousExpiresAt = s.metadata.annotations['goregistry.dev/previous-token-expires-at'];
  return { token: get('token')!, previous: get('previous-token'), previousExpiresAt, netrc: get('.netrc')!, ca: get('ca.crt'), resourceVersion: s.metadata.resourceVersion };
};
const works = async (token: string, owner = 'rot') =>
  (await curl(['-H', `Authorization: Bearer ${token}`, `${registry.url}/api/packages/${owner}/go/example.com/x/@v/list`])).status !== 401;
const registryTokens = async (owner: string) =>
  (JSON.parse((await curl(['-H', `Authorization: Bearer ${ADMIN}`, `${registry.url}/api/admin/owners/${owner}`])).body) as { tokens: { name: string; expiresAt?: string }[] }).tokens;
const apply = async (name: string, rotateAfter: string) => {
  const r = await cluster.kubectl(['-n', ns, 'apply', '-f', '-'],
    `apiVersion: goregistry.dev/v1alpha1\nkind: GoPackageOwner\nmetadata: {name: ${name}}\nspec:\n  tokens:\n  - {name: ci, scopes: [read], rotateAfter: ${rotateAfter}}\n`);
  assert.equal(r.code, 0, r.stderr);
};

test('rotateAfter issues a new token, keeps the old one for the grace period, then revokes it', async () => {
  await apply('rot', '24h');
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
  const old = (await registryTokens('rot')).find((t) => t.name === 'ci.old');
  assert.equal(old?.expiresAt && Date.parse(old.expiresAt), clock + 2 * HOUR, 'registered to expire at the end of the grace');
  assert.equal(Date.parse(rotated.previousExpiresAt!), clock + 2 * HOUR);
  assert.equal((await registryTokens('rot')).find((t) => t.name === 'ci')?.expiresAt, undefined, 'the current token does not expire');

  clock += 2 * HOUR + 1000;
  await reconciler.reconcile(key);
  const settled = await secret();
  assert.equal(settled.token, rotated.token);
  assert.equal(settled.previous, undefined);
  assert.ok(await works(rotated.token));
  assert.equal(await works(first.token), false, 'revoked after the grace period');
});

test('the old token stops working at the end of the grace, even when no operator runs any more', async () => {
  // This reconciler's clock is the registry's, so the registry's own expiry check is what ends the grace.
  let offset = -25 * HOUR;
  const graceMs = 8000;
  const stopped = makeReconciler(() => new Date(Date.now() + offset), graceMs);
  await apply('rot-stop', '24h');
  const key = keyOf(ns, 'rot-stop');
  await stopped.reconcile(key); // issued 25 h ago: the rotation is due
  const first = await secret('rot-stop-ci');
  offset = 0;
  await stopped.reconcile(key);
  const rotated = await secret('rot-stop-ci');
  assert.equal(rotated.previous, first.token);
  const endOfGrace = Date.parse(rotated.previousExpiresAt!);
  assert.ok(endOfGrace > Date.now() && endOfGrace <= Date.now() + graceMs);
  assert.ok(await works(first.token, 'rot-stop'), 'the old token works during the grace');
  // The operator stops here: nothing reconciles rot-stop again, nothing revokes ci.old.
  await new Promise((r) => setTimeout(r, endOfGrace - Date.now() + 500));
  assert.equal(await works(first.token, 'rot-stop'), false, 'expired in the registry at the end of the grace');
  assert.ok(await works(rotated.token, 'rot-stop'));
  assert.ok((await registryTokens('rot-stop')).some((t) => t.name === 'ci.old'), 'never revoked: the registry refused it by its expiry alone');
  assert.equal((await secret('rot-stop-ci')).previous, first.token, 'and the Secret was not touched');
});

test("a replaced CA reaches the token Secrets' ca.crt at the next reconcile; the token stays", async () => {
  // The operator reads the CA at each reconcile (main.ts: a getter on the config reloadCaFiles updates).
  let ca = 'CA ONE';
  const endpoint = {
    publicUrl: registry.url,
    get caPem() {
      return ca;
    },
    noSumDb: '*',
  };
  const withCa = new GoPackageOwnerReconciler(new KubeClient(kcOf(cluster.kubeconfig)), new HttpRegistryAdminClient(registry.url, ADMIN), endpoint, () => new Date(), 2 * HOUR);
  await apply('rot-ca', '720h');
  const key = keyOf(ns, 'rot-ca');
  await withCa.reconcile(key);
  const first = await secret('rot-ca-ci');
  assert.equal(first.ca, 'CA ONE');
  ca = 'CA TWO';
  await withCa.reconcile(key);
  const next = await secret('rot-ca-ci');
  assert.equal(next.ca, 'CA TWO');
  assert.equal(next.token, first.token, 'not a rotation: the same token, only the CA replaced');
  assert.ok(await works(next.token, 'rot-ca'));
});

function kcOf(file: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}
