/**
 * CloudNativePG's real operator for the chart's cnpg database mode: its manager built once from
 * its Go module into ~/.cache/go-registry/cloudnative-pg-<version>/ (with the CRDs, RBAC and
 * webhook manifests of the same release beside it), run as a local process against the test
 * control plane — the way its Deployment would run it: under its own ServiceAccount bound to the
 * release's ClusterRole, watching one namespace, its admission webhooks registered from the
 * release's manifests. The only changes are what an in-cluster Service and cert-manager would
 * give: the webhooks are reached at a loopback URL with a certificate of the test CA, and they
 * apply to the suite's namespace only, so suites sharing the cluster never meet them.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, cp, mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify as toYaml } from 'yaml';
import { track } from '../support/child-processes.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { buildOnce, cacheRoot, requireGo, runGo } from '../support/go-build-cache.js';
import { createTestCa } from '../support/test-ca.js';
import type { SharedCluster } from './cluster.js';
import { serviceAccountKubeconfig } from './kubectl.js';
import { CNPG_MODULE, CNPG_VERSION } from './versions.js';

const run = promisify(execFile);

/** The image's layout: the manager looks for operator/manager_<arch> beside it to know which architectures it can run. */
const ARCH = process.arch === 'x64' ? 'amd64' : process.arch;
const MANAGER = path.join('operator', `manager_${ARCH}`);

export async function ensureCloudNativePg(): Promise<string> {
  const dir = path.join(cacheRoot(), `cloudnative-pg-${CNPG_VERSION}`);
  await buildOnce(dir, [MANAGER, 'manifests/webhooks.yaml', 'manifests/role.yaml'], async (staging) => {
    requireGo('the CloudNativePG operator');
    const { stdout } = await run('go', ['mod', 'download', '-json', `${CNPG_MODULE}@${CNPG_VERSION}`], {
      maxBuffer: 16 << 20,
      env: { ...process.env, GOFLAGS: '-modcacherw' },
    });
    const source = (JSON.parse(stdout) as { Dir: string }).Dir;
    // `go install module@version` asks the proxy for the module's version list (deprecation check),
    // which the proxy here refuses for this module; building inside a copy of the module needs only its go.sum.
    const src = path.join(staging, 'src');
    await cp(source, src, { recursive: true, mode: 0 });
    await runGo(['build', '-trimpath', '-ldflags=-s -w', '-o', path.join(staging, MANAGER), './cmd/manager'], src, { GOFLAGS: '-mod=readonly -modcacherw' }, 'CloudNativePG');
    await mkdir(path.join(staging, 'manifests', 'crds'), { recursive: true });
    const crds = path.join(src, 'config', 'crd', 'bases');
    for (const f of await readdir(crds)) await copyFile(path.join(crds, f), path.join(staging, 'manifests', 'crds', f));
    await copyFile(path.join(src, 'config', 'webhook', 'manifests.yaml'), path.join(staging, 'manifests', 'webhooks.yaml'));
    await copyFile(path.join(src, 'config', 'rbac', 'role.yaml'), path.join(staging, 'manifests', 'role.yaml'));
    // A module downloaded without -modcacherw has read-only folders: made writable so the copy can go.
    await run('chmod', ['-R', 'u+w', src]);
    await rm(src, { recursive: true, force: true });
  });
  return dir;
}

export interface CloudNativePg {
  /** Every line the operator logged (JSON). */
  logs: string[];
  /** The operator's Prometheus metrics (controller-runtime's, webhook requests among them). */
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

interface WebhookConfiguration {
  metadata: { name: string };
  webhooks: { clientConfig: { service?: { path: string }; url?: string; caBundle?: string }; namespaceSelector?: unknown }[];
}

/** Installs the release's CRDs, RBAC and webhooks for `namespace` and starts the operator there; `dir` holds its certificates. */
export async function startCloudNativePg(cluster: SharedCluster, namespace: string, dir: string): Promise<CloudNativePg> {
  const home = await ensureCloudNativePg();
  const manifests = path.join(home, 'manifests');
  const apply = async (yaml: string, what: string) => {
    const r = await cluster.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], yaml);
    if (r.code !== 0) throw new Error(`installing CloudNativePG's ${what}: ${r.stderr}`);
  };
  const crds: string[] = [];
  for (const f of await readdir(path.join(manifests, 'crds'))) {
    const text = await readFile(path.join(manifests, 'crds', f), 'utf8');
    await apply(text, f);
    crds.push(...parseAllDocuments(text).map((d) => `crd/${(d.toJS() as { metadata: { name: string } }).metadata.name}`));
  }
  const established = await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...crds]);
  if (established.code !== 0) throw new Error(established.stderr);

  // Its ServiceAccount and the release's ClusterRole, named for this namespace (cluster-scoped objects are shared).
  const roleName = `cnpg-manager-${namespace}`;
  const role = parseAllDocuments(await readFile(path.join(manifests, 'role.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string; metadata: { name: string } }).filter(Boolean);
  for (const object of role) object.metadata.name = roleName;
  await apply(role.map((o) => toYaml(o)).join('---\n'), 'ClusterRole');
  await apply(toYaml({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'cnpg-manager', namespace } }), 'ServiceAccount');
  await apply(toYaml({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: roleName },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
    subjects: [{ kind: 'ServiceAccount', name: 'cnpg-manager', namespace }],
  }), 'ClusterRoleBinding');

  // The webhook certificate cert-manager would issue for its Service: here one for the loopback address.
  const certs = path.join(dir, 'webhook-certs');
  await mkdir(certs, { recursive: true });
  const ca = await createTestCa(certs);
  const cert = await ca.issue('apiserver');
  await copyFile(cert.certFile, path.join(certs, 'apiserver.crt'));
  const [webhookPort, metricsPort] = [await freePort(), await freePort()];

  const kubeconfig = await serviceAccountKubeconfig(cluster, namespace, 'cnpg-manager', path.join(dir, 'cnpg.kubeconfig'));
  const child = spawn(path.join(home, MANAGER), ['controller', `--webhook-port=${webhookPort}`, `--metrics-bind-address=127.0.0.1:${metricsPort}`, '--leader-elect=false'], {
    cwd: home,
    env: { PATH: process.env.PATH ?? '', HOME: dir, KUBECONFIG: kubeconfig, OPERATOR_NAMESPACE: namespace, WATCH_NAMESPACE: namespace, WEBHOOK_CERT_DIR: certs },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  const logs: string[] = [];
  let pending = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      logs.push(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  });
  child.stdout.resume();
  const webhookNames: string[] = [];
  const stop = async () => {
    for (const name of webhookNames) await cluster.kubectl(['delete', name, '--ignore-not-found']);
    await cluster.kubectl(['delete', `clusterrolebinding/${roleName}`, `clusterrole/${roleName}`, '--ignore-not-found']);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  };
  try {
    await eventually('the CloudNativePG webhook server', async () => {
      if (child.exitCode !== null) throw new Error(`the operator exited with ${child.exitCode}`);
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => undefined);
      return res?.ok === true && logs.some((l) => l.includes('"msg":"Serving webhook server"'));
    }, { context: () => logs.slice(-10).join('\n') });

    const caBundle = (await readFile(ca.caFile)).toString('base64');
    const configurations = parseAllDocuments(await readFile(path.join(manifests, 'webhooks.yaml'), 'utf8'))
      .map((d) => d.toJS() as (WebhookConfiguration & { kind: string }) | null)
      .filter((d): d is WebhookConfiguration & { kind: string } => d !== null);
    for (const c of configurations) {
      c.metadata.name = `cnpg-${namespace}-${c.metadata.name}`;
      for (const w of c.webhooks) {
        w.clientConfig = { url: `https://127.0.0.1:${webhookPort}${w.clientConfig.service!.path}`, caBundle };
        w.namespaceSelector = { matchLabels: { 'kubernetes.io/metadata.name': namespace } };
      }
      webhookNames.push(`${c.kind.toLowerCase()}/${c.metadata.name}`);
    }
    await apply(configurations.map((c) => toYaml(c)).join('---\n'), 'webhook configurations');
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    logs,
    metrics: async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
    stop,
  };
}
