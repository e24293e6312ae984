/**
 * An independent count of the writes one client makes to the API server, from the API
 * server's own metrics. apiserver_request_total has no user label, and other suites write
 * to the shared cluster at the same time, so the witness gives the client a ServiceAccount
 * of its own and installs FlowSchemas (API Priority and Fairness) that match that account's
 * writes; apiserver_flowcontrol_dispatched_requests_total{flow_schema} then counts every
 * write request the API server executed for it, by resource, whatever the client logs.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { SharedCluster } from './cluster.js';
import { kubectlOk } from './kubectl.js';

/** Writes counted per resource; `other` is everything else the account writes (Events). */
export interface WriteCounts {
  leases: number;
  gopackageowners: number;
  secrets: number;
  other: number;
}

export interface WriteWitness {
  /** A kubeconfig that authenticates as the witnessed ServiceAccount. */
  kubeconfig: string;
  counts(): Promise<WriteCounts>;
  remove(): Promise<void>;
}

const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'];
/** Most specific first: API Priority and Fairness picks the matching FlowSchema of lowest precedence. */
const BUCKETS: { bucket: keyof WriteCounts; apiGroups: string[]; resources: string[] }[] = [
  { bucket: 'leases', apiGroups: ['coordination.k8s.io'], resources: ['leases'] },
  { bucket: 'gopackageowners', apiGroups: ['goregistry.dev'], resources: ['gopackageowners', 'gopackageowners/status'] },
  { bucket: 'secrets', apiGroups: [''], resources: ['secrets'] },
  { bucket: 'other', apiGroups: ['*'], resources: ['*'] },
];

/** A ServiceAccount with all rights in `namespace`, and FlowSchemas counting its writes. */
export async function writeWitness(cluster: SharedCluster, namespace: string, dir: string): Promise<WriteWitness> {
  const kubectl = kubectlOk(cluster);
  const account = 'witnessed-operator';
  await kubectl(['-n', namespace, 'create', 'serviceaccount', account]);
  await kubectl(['-n', namespace, 'create', 'rolebinding', account, '--clusterrole=cluster-admin', `--serviceaccount=${namespace}:${account}`]);
  const schemas = BUCKETS.map(({ bucket }) => `go-registry-e2e-${namespace}-${bucket}`);
  await kubectl(['apply', '-f', '-'], BUCKETS.map((b, i) => flowSchema(schemas[i]!, 50 + i, namespace, account, b.apiGroups, b.resources)).join('---\n'));
  const kubeconfig = path.join(dir, `${account}.kubeconfig`);
  await writeFile(kubeconfig, await accountKubeconfig(cluster, await kubectl(['-n', namespace, 'create', 'token', account, '--duration=2h'])), { mode: 0o600 });
  return {
    kubeconfig,
    async counts() {
      const metrics = await kubectl(['get', '--raw', '/metrics']);
      return Object.fromEntries(BUCKETS.map(({ bucket }, i) => [bucket, dispatched(metrics, schemas[i]!)])) as unknown as WriteCounts;
    },
    async remove() {
      await cluster.kubectl(['delete', 'flowschema', ...schemas, '--ignore-not-found']);
    },
  };
}

function flowSchema(name: string, precedence: number, namespace: string, account: string, apiGroups: string[], resources: string[], verbs = WRITE_VERBS): string {
  return toYaml({
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    kind: 'FlowSchema',
    metadata: { name },
    spec: {
      matchingPrecedence: precedence,
      priorityLevelConfiguration: { name: 'workload-high' },
      distinguisherMethod: { type: 'ByUser' },
      rules: [{
        subjects: [{ kind: 'ServiceAccount', serviceAccount: { name: account, namespace } }],
        resourceRules: [{ verbs, apiGroups, resources, namespaces: ['*'], clusterScope: true }],
      }],
    },
  });
}

export async function accountKubeconfig(cluster: SharedCluster, token: string): Promise<string> {
  const admin = parseYaml(await readFile(cluster.kubeconfig, 'utf8')) as { clusters: { cluster: Record<string, string> }[] };
  return toYaml({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'witnessed',
    clusters: [{ name: 'test', cluster: admin.clusters[0]!.cluster }],
    users: [{ name: 'witnessed', user: { token: token.trim() } }],
    contexts: [{ name: 'witnessed', context: { cluster: 'test', user: 'witnessed' } }],
  });
}

/** The sum of apiserver_flowcontrol_dispatched_requests_total over one FlowSchema's series (0 before its first request). */
function dispatched(metrics: string, schema: string): number {
  let total = 0;
  for (const line of metrics.split('\n')) {
    if (line.startsWith('apiserver_flowcontrol_dispatched_requests_total{') && line.includes(`flow_schema="${schema}"`)) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

export const totalWrites = (c: WriteCounts) => c.gopackageowners + c.secrets + c.other;
export const writesBetween = (a: WriteCounts, b: WriteCounts): WriteCounts => ({
  leases: b.leases - a.leases,
  gopackageowners: b.gopackageowners - a.gopackageowners,
  secrets: b.secrets - a.secrets,
  other: b.other - a.other,
});

/** One bucket of a request witness: the requests of these verbs on these resources (most specific first). */
export interface RequestBucket {
  name: string;
  verbs: string[];
  apiGroups: string[];
  resources: string[];
}

export interface RequestWitness {
  kubeconfig: string;
  /** Requests the API server dispatched for the account so far, per bucket. */
  counts(): Promise<Record<string, number>>;
  remove(): Promise<void>;
}

/**
 * writeWitness's method for any verbs (benchmarks count reads and watches too): a ServiceAccount with
 * cluster-admin and a FlowSchema per bucket, counted by apiserver_flowcontrol_dispatched_requests_total.
 */
export async function requestWitness(cluster: SharedCluster, namespace: string, dir: string, buckets: RequestBucket[], account = 'witnessed-client'): Promise<RequestWitness> {
  const kubectl = kubectlOk(cluster);
  await kubectl(['-n', namespace, 'create', 'serviceaccount', account]);
  await kubectl(['create', 'clusterrolebinding', `${namespace}-${account}`, '--clusterrole=cluster-admin', `--serviceaccount=${namespace}:${account}`]);
  const schemas = buckets.map(({ name }) => `go-registry-${namespace}-${name}`);
  await kubectl(['apply', '-f', '-'], buckets.map((b, i) => flowSchema(schemas[i]!, 50 + i, namespace, account, b.apiGroups, b.resources, b.verbs)).join('---\n'));
  const kubeconfig = path.join(dir, `${account}.kubeconfig`);
  await writeFile(kubeconfig, await accountKubeconfig(cluster, await kubectl(['-n', namespace, 'create', 'token', account, '--duration=2h'])), { mode: 0o600 });
  return {
    kubeconfig,
    async counts() {
      const metrics = await kubectl(['get', '--raw', '/metrics']);
      return Object.fromEntries(buckets.map(({ name }, i) => [name, dispatched(metrics, schemas[i]!)]));
    },
    async remove() {
      await cluster.kubectl(['delete', 'flowschema', ...schemas, '--ignore-not-found']);
      await cluster.kubectl(['delete', 'clusterrolebinding', `${namespace}-${account}`, '--ignore-not-found']);
    },
  };
}
