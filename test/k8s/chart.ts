/**
 * The Helm chart under test: helm with the cluster's kubeconfig, renders parsed into
 * objects, and the third-party CRDs the chart's optional resources need (cert-manager,
 * CloudNativePG, prometheus-operator), read from those projects' Go modules.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../support/paths.js';
import type { SharedCluster } from './cluster.js';
import { CNPG_MODULE, CNPG_VERSION } from './versions.js';

const run = promisify(execFile);

export const CHART_DIR = path.join(REPO_ROOT, 'charts', 'go-registry');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface HelmResult {
  stdout: string;
  stderr: string;
  code: number;
}

export function helmRunner(cluster: Pick<SharedCluster, 'helmPath' | 'kubeconfig'>, home: string) {
  return async (args: string[]): Promise<HelmResult> => {
    try {
      const { stdout, stderr } = await run(cluster.helmPath, args, {
        maxBuffer: 64 << 20,
        // Helm's caches and config stay in the test's folder.
        env: { PATH: process.env.PATH, HOME: home, KUBECONFIG: cluster.kubeconfig, HELM_CACHE_HOME: path.join(home, 'cache'), HELM_CONFIG_HOME: path.join(home, 'config'), HELM_DATA_HOME: path.join(home, 'data') },
      });
      return { stdout, stderr, code: 0 };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number };
      return { stdout: e.stdout ?? '', stderr: e.stderr ?? String(err), code: typeof e.code === 'number' ? e.code : 1 };
    }
  };
}

/** `--set`-style flags from a flat map of dotted keys; values are passed as JSON so types survive. */
export function setFlags(values: Record<string, unknown>): string[] {
  return Object.entries(values).flatMap(([k, v]) => ['--set-json', `${k}=${JSON.stringify(v)}`]);
}

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length) throw new Error(`rendered YAML does not parse: ${d.errors[0]!.message}`);
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

export const findObject = (objects: K8sObject[], kind: string, nameSuffix = '') => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name.endsWith(nameSuffix));
  if (!found) throw new Error(`no ${kind} *${nameSuffix} in the render (have: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')})`);
  return found;
};

/** Pinned versions of the projects whose APIs the chart can use; their CRDs come from their Go modules. */
const THIRD_PARTY = [
  { module: 'github.com/cert-manager/cert-manager', version: 'v1.21.2', files: ['deploy/crds/cert-manager.io_certificates.yaml', 'deploy/crds/cert-manager.io_issuers.yaml'] },
  { module: CNPG_MODULE, version: CNPG_VERSION, files: ['config/crd/bases/postgresql.cnpg.io_clusters.yaml'] },
  { module: 'github.com/prometheus-operator/prometheus-operator', version: 'v0.85.0', files: ['example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml'] },
  // The GitOps tools the examples are written for.
  { module: 'github.com/argoproj/argo-cd/v3', version: 'v3.2.0', files: ['manifests/crds/application-crd.yaml'] },
  { module: 'github.com/fluxcd/source-controller', version: 'v1.7.0', files: ['config/crd/bases/source.toolkit.fluxcd.io_gitrepositories.yaml'] },
  { module: 'github.com/fluxcd/kustomize-controller', version: 'v1.7.3', files: ['config/crd/bases/kustomize.toolkit.fluxcd.io_kustomizations.yaml'] },
];

/** The API versions `helm template --api-versions` needs to render every optional resource. */
export const THIRD_PARTY_APIS = ['cert-manager.io/v1/Certificate', 'cert-manager.io/v1/Issuer', 'postgresql.cnpg.io/v1/Cluster', 'monitoring.coreos.com/v1/ServiceMonitor'];

/** Installs the real CRDs of cert-manager, CloudNativePG, prometheus-operator, Argo CD and Flux (idempotent). */
export async function installThirdPartyCrds(cluster: Pick<SharedCluster, 'kubectl'>): Promise<void> {
  for (const { module, version, files } of THIRD_PARTY) {
    const { stdout } = await run('go', ['mod', 'download', '-json', `${module}@${version}`], {
      maxBuffer: 16 << 20,
      env: { ...process.env, GOFLAGS: '-modcacherw', GOTOOLCHAIN: 'local' },
    });
    const dir = (JSON.parse(stdout) as { Dir: string }).Dir;
    for (const file of files) {
      const text = await readFile(path.join(dir, file), 'utf8');
      const r = await cluster.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], text);
      if (r.code !== 0) throw new Error(`installing ${module} ${file}: ${r.stderr}`);
    }
  }
  const names = ['certificates.cert-manager.io', 'issuers.cert-manager.io', 'clusters.postgresql.cnpg.io', 'servicemonitors.monitoring.coreos.com', 'applications.argoproj.io', 'gitrepositories.source.toolkit.fluxcd.io', 'kustomizations.kustomize.toolkit.fluxcd.io'];
  const r = await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...names.map((n) => `crd/${n}`)]);
  if (r.code !== 0) throw new Error(r.stderr);
}
