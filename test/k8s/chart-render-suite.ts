/**
 * What the chart-render suites share: helm against the real control plane (third-party and our
 * CRDs installed), a namespace of their own and two more for the namespaced-operator renders,
 * `helm template` parsed into objects, and the workloads' pod templates.
 */
import { after, before } from 'node:test';
import { tempDir } from '../support/paths.js';
import { CHART_DIR, helmRunner, installThirdPartyCrds, parseManifests, setFlags, THIRD_PARTY_APIS, type K8sObject } from './chart.js';
import { sharedCluster, type SharedCluster } from './cluster.js';
import { installCrd } from './crd-install.js';

export const apiFlags = THIRD_PARTY_APIS.flatMap((a) => ['--api-versions', a]);

/** Values under which every render is a pure function of its input (what Argo CD needs). */
export const GITOPS = { 'adminToken.existingSecret': 'registry-admin', 'tls.existingSecret': 'registry-tls' };

export const workloads = (objects: K8sObject[]) => objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind));
export interface PodSpec {
  securityContext?: Record<string, unknown>;
  containers: { name: string; command?: string[]; resources?: Record<string, unknown>; securityContext?: Record<string, unknown>; env?: { name: string; value?: string }[] }[];
}
export const podSpec = (o: K8sObject) => (o.spec as { template: { spec: PodSpec; metadata: { labels: Record<string, string> } } }).template;

/** Every database mode and main toggle: each must render and be accepted by the API server. */
export const scenarios = (s: Pick<RenderSuite, 'teamA' | 'teamB'>): Record<string, Record<string, unknown>> => ({
  'defaults (embedded PGlite, generated CA, no admin token)': {},
  'bundled PostgreSQL': { 'database.mode': 'bundled', 'database.bundled.networkPolicy.enabled': true },
  'external PostgreSQL, two workers per Pod': { 'database.mode': 'external', 'database.external.existingSecret': 'pg-url', 'registry.workers': 2 },
  'CloudNativePG': { 'database.mode': 'cnpg', 'database.cnpg.instances': 3, 'registry.replicas': 2, 'registry.persistence.accessModes': ['ReadWriteMany'] },
  'cert-manager, self-signed CA bootstrap': { 'tls.certManager.enabled': true },
  'cert-manager, an issuer of yours': { 'tls.certManager.enabled': true, 'tls.certManager.issuerRef': { name: 'corp-ca', kind: 'ClusterIssuer' } },
  'metrics: ServiceMonitors and dashboard': { 'metrics.serviceMonitor.enabled': true, 'metrics.dashboard.enabled': true },
  'namespaced operator, ingress, network policies, PDBs, HA operator': {
    'operator.watchNamespaces': [s.teamA, s.teamB], 'operator.replicas': 2, 'ingress.enabled': true, 'ingress.host': 'go.example.com',
    'ingress.annotations': { 'cert-manager.io/cluster-issuer': 'letsencrypt', 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS' },
    'registry.publicUrl': 'https://go.example.com', 'registry.networkPolicy.enabled': true,
    'registry.networkPolicy.ingressFrom': [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': s.teamA } } }],
    'operator.networkPolicy.enabled': true, 'registry.podDisruptionBudget.enabled': true, 'operator.podDisruptionBudget.enabled': true,
  },
  'plain HTTP, no persistence claim of its own, no operator': { 'tls.enabled': false, 'registry.persistence.existingClaim': 'blobs', 'operator.enabled': false, 'crds.install': false },
});

export interface RenderSuite {
  cluster: SharedCluster;
  helm: ReturnType<typeof helmRunner>;
  ns: string;
  /** Namespaces the namespaced-operator renders watch (fresh per run). */
  teamA: string;
  teamB: string;
  home: { dir: string; remove: () => Promise<void> };
  /** `helm template gr` in ns with every optional API present; objects when it rendered. */
  render(values: Record<string, unknown>, extra?: string[]): Promise<{ stdout: string; stderr: string; code: number; objects: K8sObject[] }>;
}

/** Registers the suite's before and after hooks; the fields are set once before has run. */
export function chartRenderSuite(prefix: string): RenderSuite {
  const s = {
    async render(values: Record<string, unknown>, extra: string[] = []) {
      const r = await s.helm(['template', 'gr', CHART_DIR, '--namespace', s.ns, ...apiFlags, ...setFlags(values), ...extra]);
      return { ...r, objects: r.code === 0 ? parseManifests(r.stdout) : [] };
    },
  } as RenderSuite;
  before(async () => {
    s.cluster = await sharedCluster();
    s.home = await tempDir('helm-home');
    s.helm = helmRunner(s.cluster, s.home.dir);
    s.ns = await s.cluster.namespace(prefix);
    s.teamA = await s.cluster.namespace('chart-team-a');
    s.teamB = await s.cluster.namespace('chart-team-b');
    await installThirdPartyCrds(s.cluster);
    await installCrd(s.cluster);
  });
  after(async () => {
    await s.cluster?.kubectl(['delete', 'namespace', s.ns, s.teamA, s.teamB, '--wait=false']);
    await s.home?.remove();
    await s.cluster?.release();
  });
  return s;
}
