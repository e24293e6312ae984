/**
 * The operator under stress on the real control plane: two replicas with one
 * leader and a failover, a kill in the middle of reconciling, 200 resources at once
 * with no writes at rest (counted by the API server over several resyncs), and the
 * GitOps flow (kubectl apply --prune of a folder).
 */
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { curl } from '../support/curl.js';
import { tempDir } from '../support/paths.js';
import { startOperatorProcess, type OperatorProcess } from '../support/operator-process.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';
import { installCrd } from './crd-install.js';
import { sharedCluster, type SharedCluster } from './cluster.js';
import { eventually as poll } from '../support/eventually.js';
import { writeWitness, writesBetween, type WriteWitness } from './write-witness.js';
import { isReady, kubectlOk } from './kubectl.js';

const ADMIN = 'operator-ha-admin-token-0123456789';
let cluster: SharedCluster;
let ns: string;
let root: string;
let cleanup: () => Promise<void>;
let registry: RegistryProcess;
const operators = new Map<string, OperatorProcess>();
/** The replicas run as the witness's ServiceAccount, so the API server counts their writes. */
let witness: WriteWitness;

const kubectl = (args: string[], input?: string) => kubectlOk(cluster, ns)(args, input);
const gpo = (name: string, spec: string, labels = '') =>
  `apiVersion: goregistry.dev/v1alpha1\nkind: GoPackageOwner\nmetadata:\n  name: ${name}\n${labels ? `  labels: {${labels}}\n` : ''}spec:\n${spec.replace(/^/gm, '  ')}\n`;

const eventually = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 120_000) =>
  poll(what, probe, { timeoutMs, intervalMs: 500 });

/** Names of the GoPackageOwners in the namespace whose Ready condition is True for their generation. */
async function readyNames(): Promise<Set<string>> {
  const list = JSON.parse(await kubectl(['get', 'gpo', '-o', 'json'])) as { items: (Parameters<typeof isReady>[0] & { metadata: { name: string } })[] };
  return new Set(list.items.filter(isReady).map((i) => i.metadata.name));
}

const startOperator = async (name: string, env: Record<string, string> = {}) => {
  const op = await startOperatorProcess({
    KUBECONFIG: witness.kubeconfig, WATCH_NAMESPACE: ns, LEASE_NAMESPACE: ns, POD_NAME: name,
    REGISTRY_URL: registry.url, REGISTRY_ADMIN_TOKEN: ADMIN, ...env,
  });
  operators.set(name, op);
  return op;
};
/** Each test can run alone: it starts a replica when none runs. */
const ensureOperator = async () => {
  if (operators.size === 0) await startOperator(`replica-${Date.now()}`);
};
const leaseHolder = async () => (await cluster.kubectl(['-n', ns, 'get', 'lease', 'go-registry-operator', '-o', 'jsonpath={.spec.holderIdentity}'])).stdout;
const registryTokens = async (owner: string) => {
  const r = await curl(['-H', `Authorization: Bearer ${ADMIN}`, `${registry.url}/api/admin/owners/${owner}`]);
  return r.status === 200 ? (JSON.parse(r.body) as { tokens: { name: string }[] }).tokens.map((t) => t.name) : undefined;
};

before(async () => {
  cluster = await sharedCluster();
  await installCrd(cluster);
  ns = await cluster.namespace('operator-ha');
  ({ dir: root, remove: cleanup } = await tempDir('operator-ha'));
  registry = await startRegistryProcess({ DATA_DIR: path.join(root, 'data'), REGISTRY_ADMIN_TOKEN: ADMIN });
  witness = await writeWitness(cluster, ns, root);
}, { timeout: 60 * 60 * 1000 });

after(async () => {
  await Promise.all([...operators.values()].map((o) => o.stop('SIGKILL')));
  await registry?.stop();
  await witness?.remove();
  await cleanup?.();
  await cluster?.release();
});

describe('operator availability and scale', () => {
  test('two replicas: one leader; when it is killed the other takes over within ~20 s', async () => {
    await startOperator('replica-a');
    await startOperator('replica-b');
    const first = await eventually('a leader', async () => (await leaseHolder()) || undefined, 30_000);
    await kubectl(['apply', '-f', '-'], gpo('ha-one', 'visibility: public\ntokens:\n- {name: t, scopes: [read]}'));
    await eventually('ha-one Ready', async () => (await readyNames()).has('ha-one'));
    const leaderMetrics = await (await fetch(operators.get(first)!.metricsUrl)).text();
    assert.match(leaderMetrics, /leader_election_master_status\{name="go-registry-operator"\} 1/);
    const other = first === 'replica-a' ? 'replica-b' : 'replica-a';
    assert.match(await (await fetch(operators.get(other)!.metricsUrl)).text(), /leader_election_master_status\{name="go-registry-operator"\} 0/);

    const killedAt = Date.now();
    await operators.get(first)!.stop('SIGKILL');
    operators.delete(first);
    await kubectl(['apply', '-f', '-'], gpo('ha-two', 'visibility: public'));
    await eventually('failover', async () => (await leaseHolder()) === other, 40_000);
    await eventually('ha-two Ready under the new leader', async () => (await readyNames()).has('ha-two'), 40_000);
    const seconds = (Date.now() - killedAt) / 1000;
    assert.ok(seconds < 30, `failover took ${seconds} s`);

    // A leader stopped gracefully hands the Lease back: the standby takes over well before the lease expires.
    await startOperator('replica-d');
    const stoppedAt = Date.now();
    await operators.get(other)!.stop('SIGTERM');
    operators.delete(other);
    await eventually('handover', async () => (await leaseHolder()) === 'replica-d', 20_000);
    const handover = (Date.now() - stoppedAt) / 1000;
    assert.ok(handover < 10, `graceful handover took ${handover} s (a 15 s lease was not waited out)`);
  });

  test('200 resources applied at once converge, survive an operator killed mid-reconcile, and rest without writes', async (t) => {
    await ensureOperator();
    const docs = Array.from({ length: 200 }, (_, i) => gpo(`bulk-${i}`, `visibility: ${i % 2 ? 'public' : 'limited'}\ntokens:\n- {name: ci, scopes: [read]}`)).join('---\n');
    await kubectl(['apply', '-f', '-'], docs);
    // Kill whoever leads while the queue is busy; a fresh replica must finish the job.
    await new Promise((r) => setTimeout(r, 1500));
    for (const [name, op] of operators) {
      await op.stop('SIGKILL');
      operators.delete(name);
    }
    // A resync every 10 s, so the window at rest below holds several reconciles of every resource.
    const survivor = await startOperator('replica-c', { RESYNC_PERIOD: '10s' });
    await eventually('200 resources Ready', async () => {
      const readyCount = [...(await readyNames())].filter((n) => n.startsWith('bulk-')).length;
      return readyCount === 200 ? true : undefined;
    }, 300_000);
    assert.deepEqual(await registryTokens('bulk-199'), ['ci']);
    // Settle: one more resync's worth of reconciles after the last one that converged.
    const settled = (await survivor.reconciles()) + 200;
    await eventually('a resync after converging', async () => (await survivor.reconciles()) >= settled, 60_000);
    const [w0, r0, opened] = [await witness.counts(), await survivor.reconciles(), Date.now()];
    await eventually('two resyncs at rest', async () => Date.now() - opened >= 20_000 && (await survivor.reconciles()) - r0 >= 400, 90_000);
    const writes = writesBetween(w0, await witness.counts());
    const reconciles = (await survivor.reconciles()) - r0;
    assert.ok(writes.leases >= 5, `the witness counts this account's writes: ${writes.leases} Lease renewals in the window`);
    assert.deepEqual({ ...writes, leases: 0 }, { leases: 0, gopackageowners: 0, secrets: 0, other: 0 }, `writes during ${reconciles} reconciles at rest`);
    t.diagnostic(`at rest: ${reconciles} reconciles in ${Math.round((Date.now() - opened) / 1000)} s, ${writes.leases} Lease renewals, no other write`);
  });

  test('GitOps: kubectl apply --prune of a folder; a removed file revokes that owner\'s tokens', async () => {
    await ensureOperator();
    const repo = path.join(root, 'gitops', 'owners');
    await mkdir(repo, { recursive: true });
    const labels = 'app.kubernetes.io/part-of: gitops-demo';
    for (const team of ['alpha', 'beta', 'gamma']) {
      await writeFile(path.join(repo, `${team}.yaml`), gpo(`git-${team}`, `visibility: private\ntokens:\n- {name: deploy, scopes: [read]}`, labels));
    }
    // kubectl prunes custom resources only when their kind is allow-listed (Argo CD and Flux prune by themselves).
    const sync = () => kubectl(['apply', '--prune', '-l', 'app.kubernetes.io/part-of=gitops-demo', '--prune-allowlist=goregistry.dev/v1alpha1/GoPackageOwner', '-f', repo]);
    await sync();
    await eventually('all three Ready', async () => {
      const r = await readyNames();
      return ['git-alpha', 'git-beta', 'git-gamma'].every((n) => r.has(n));
    });
    assert.deepEqual(await registryTokens('git-gamma'), ['deploy']);
    await rm(path.join(repo, 'gamma.yaml'));
    await sync();
    await eventually('git-gamma pruned', async () => (await cluster.kubectl(['-n', ns, 'get', 'gpo', 'git-gamma'])).code !== 0);
    assert.deepEqual(await registryTokens('git-gamma'), [], 'Retain: owner kept, tokens revoked');
    assert.deepEqual(await registryTokens('git-alpha'), ['deploy']);
  });
});
