/**
 * The chart as rendered: lint, every database mode and main toggle accepted by the real
 * API server (server-side dry run, with the real CRDs of the optional APIs installed),
 * schema and contradiction refusals with clear messages, byte-identical renders for GitOps,
 * the CRD template identical to crds/, hardened workloads, and the image's commands.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../registry/config/config.js';
import { REPO_ROOT, tempDir } from '../support/paths.js';
import { CHART_DIR, findObject, helmRunner, installThirdPartyCrds, parseManifests, setFlags, THIRD_PARTY_APIS, type K8sObject } from './chart.js';
import { sharedCluster, type SharedCluster } from './cluster.js';
import { installCrd } from './crd-install.js';

const run = promisify(execFile);
let cluster: SharedCluster;
let helm: ReturnType<typeof helmRunner>;
let ns: string;
/** Namespaces the namespaced-operator scenario watches (fresh per run). */
let teamA: string;
let teamB: string;
let home: { dir: string; remove: () => Promise<void> };
const apiFlags = THIRD_PARTY_APIS.flatMap((a) => ['--api-versions', a]);

/** Values under which every render is a pure function of its input (what Argo CD needs). */
const GITOPS = { 'adminToken.existingSecret': 'registry-admin', 'tls.existingSecret': 'registry-tls' };

const scenarios = (): Record<string, Record<string, unknown>> => ({
  'defaults (embedded PGlite, generated CA and admin token)': {},
  'bundled PostgreSQL': { 'database.mode': 'bundled', 'database.bundled.networkPolicy.enabled': true },
  'external PostgreSQL, two workers per Pod': { 'database.mode': 'external', 'database.external.existingSecret': 'pg-url', 'registry.workers': 2 },
  'CloudNativePG': { 'database.mode': 'cnpg', 'database.cnpg.instances': 3, 'registry.replicas': 2, 'registry.persistence.accessModes': ['ReadWriteMany'] },
  'cert-manager, self-signed CA bootstrap': { 'tls.certManager.enabled': true },
  'cert-manager, an issuer of yours': { 'tls.certManager.enabled': true, 'tls.certManager.issuerRef': { name: 'corp-ca', kind: 'ClusterIssuer' } },
  'metrics: ServiceMonitors and dashboard': { 'metrics.serviceMonitor.enabled': true, 'metrics.dashboard.enabled': true },
  'namespaced operator, ingress, network policies, PDBs, HA operator': {
    'operator.watchNamespaces': [teamA, teamB], 'operator.replicas': 2, 'ingress.enabled': true, 'ingress.host': 'go.example.com',
    'ingress.annotations': { 'cert-manager.io/cluster-issuer': 'letsencrypt', 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS' },
    'registry.publicUrl': 'https://go.example.com', 'registry.networkPolicy.enabled': true,
    'registry.networkPolicy.ingressFrom': [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': teamA } } }],
    'operator.networkPolicy.enabled': true, 'registry.podDisruptionBudget.enabled': true, 'operator.podDisruptionBudget.enabled': true,
  },
  'plain HTTP, no persistence claim of its own, no operator': { 'tls.enabled': false, 'registry.persistence.existingClaim': 'blobs', 'operator.enabled': false, 'crds.install': false },
});

const render = async (values: Record<string, unknown>, extra: string[] = []) => {
  const r = await helm(['template', 'gr', CHART_DIR, '--namespace', ns, ...apiFlags, ...setFlags(values), ...extra]);
  return { ...r, objects: r.code === 0 ? parseManifests(r.stdout) : [] };
};

const workloads = (objects: K8sObject[]) => objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind));
interface PodSpec {
  securityContext?: Record<string, unknown>;
  containers: { name: string; command?: string[]; resources?: Record<string, unknown>; securityContext?: Record<string, unknown>; env?: { name: string; value?: string }[] }[];
}
const podSpec = (o: K8sObject) => (o.spec as { template: { spec: PodSpec; metadata: { labels: Record<string, string> } } }).template;

before(async () => {
  cluster = await sharedCluster();
  home = await tempDir('helm-home');
  helm = helmRunner(cluster, home.dir);
  ns = await cluster.namespace('chart-render');
  teamA = await cluster.namespace('chart-team-a');
  teamB = await cluster.namespace('chart-team-b');
  await installThirdPartyCrds(cluster);
  await installCrd(cluster);
});
after(async () => {
  await cluster?.kubectl(['delete', 'namespace', ns, teamA, teamB, '--wait=false']);
  await home?.remove();
  await cluster?.release();
});

describe('chart: lint and metadata', () => {
  test('helm lint --strict passes for the defaults and for each database mode', async () => {
    for (const values of [{}, { 'database.mode': 'bundled' }, { 'database.mode': 'external', 'database.external.existingSecret': 'x' }]) {
      const r = await helm(['lint', '--strict', CHART_DIR, ...setFlags(values)]);
      assert.equal(r.code, 0, `${JSON.stringify(values)}: ${r.stdout}${r.stderr}`);
    }
  });

  test('appVersion is the package version, and the default image tag follows it', async () => {
    const chart = parseYaml(await readFile(path.join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { apiVersion: string; appVersion: string };
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(chart.apiVersion, 'v2');
    assert.equal(chart.appVersion, pkg.version);
    const { objects } = await render(GITOPS);
    for (const w of workloads(objects)) {
      assert.match(String((podSpec(w).spec.containers[0] as { image?: string }).image), new RegExp(`:${pkg.version.replace(/\./g, '\\.')}$`));
    }
  });

  test('the CRD template is generated from crds/ and identical to it', async () => {
    const check = await run(process.execPath, [path.join(REPO_ROOT, 'scripts', 'generate-chart-crds.mjs'), '--check']).then(() => 0, () => 1);
    assert.equal(check, 0, 'charts/go-registry/templates/crd-*.yaml is stale: run npm run chart:crds');
    const source = parseYaml(await readFile(path.join(REPO_ROOT, 'crds', 'goregistry.dev_gopackageowners.yaml'), 'utf8')) as K8sObject;
    const rendered = findObject((await render(GITOPS)).objects, 'CustomResourceDefinition');
    assert.deepEqual(rendered.spec, source.spec);
    assert.equal(rendered.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
    const without = await render({ ...GITOPS, 'crds.install': false });
    assert.equal(without.objects.filter((o) => o.kind === 'CustomResourceDefinition').length, 0);
  });
});

describe('chart: every render is accepted by the real API server', () => {
  for (const name of Object.keys(scenarios())) {
    test(name, async () => {
      const r = await render(scenarios()[name]!);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.objects.length >= 3, `only ${r.objects.length} objects`);
      const applied = await cluster.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], r.stdout);
      assert.equal(applied.code, 0, applied.stderr);
    });
  }

  test('the examples: owners for GitOps, a Pod that uses a token Secret, the Argo CD and Flux manifests', async () => {
    for (const file of ['gitops/owners', 'go-build-pod.yaml']) {
      const r = await cluster.kubectl(['-n', teamA, 'apply', '--dry-run=server', '--validate=strict', '-f', path.join(REPO_ROOT, 'examples', file)]);
      assert.equal(r.code, 0, `${file}: ${r.stderr}`);
    }
    for (const file of ['argocd-application.yaml', 'flux-kustomization.yaml']) {
      const text = await readFile(path.join(REPO_ROOT, 'examples', 'gitops', file), 'utf8');
      for (const o of parseManifests(text)) {
        await cluster.kubectl(['create', 'namespace', o.metadata.namespace!]); // argocd, flux-system: may exist already
        // The folder they sync is this repository's examples/gitops/owners.
        const synced = (o.spec as { source?: { path?: string }; path?: string }).source?.path ?? (o.spec as { path?: string }).path;
        if (synced) assert.equal(path.normalize(synced), path.join('examples', 'gitops', 'owners'), `${file}: ${o.kind} syncs ${synced}`);
      }
      const r = await cluster.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], text);
      assert.equal(r.code, 0, `${file}: ${r.stderr}`);
    }
  });

  test('each database mode wires DATABASE_URL to its source', async () => {
    const env = async (values: Record<string, unknown>) => {
      const registry = findObject((await render(values)).objects, 'Deployment', 'gr-go-registry');
      return podSpec(registry).spec.containers[0]!.env as { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
    };
    assert.equal((await env({})).find((e) => e.name === 'DATABASE_URL'), undefined, 'embedded: no DATABASE_URL');
    const bundled = await env({ 'database.mode': 'bundled' });
    assert.equal(bundled.find((e) => e.name === 'DATABASE_URL')?.value, `postgres://goregistry:$(POSTGRES_PASSWORD)@gr-go-registry-postgres.${ns}.svc:5432/goregistry`);
    assert.ok(bundled.findIndex((e) => e.name === 'POSTGRES_PASSWORD') < bundled.findIndex((e) => e.name === 'DATABASE_URL'), 'Kubernetes expands $(VAR) only from earlier entries');
    assert.deepEqual((await env({ 'database.mode': 'external', 'database.external.existingSecret': 'pg-url' })).find((e) => e.name === 'DATABASE_URL')?.valueFrom, { secretKeyRef: { name: 'pg-url', key: 'DATABASE_URL' } });
    assert.deepEqual((await env({ 'database.mode': 'cnpg' })).find((e) => e.name === 'DATABASE_URL')?.valueFrom, { secretKeyRef: { name: 'gr-go-registry-db-app', key: 'uri' } });
  });

  test('token Secrets carry the Service CA, or the public URL\'s CA, or none for a publicly trusted public URL', async () => {
    const operatorEnv = async (values: Record<string, unknown>) => {
      const env = podSpec(findObject((await render({ ...GITOPS, ...values })).objects, 'Deployment', 'operator')).spec.containers[0]!.env!;
      return Object.fromEntries(env.map((e) => [e.name, e.value]));
    };
    const inCluster = await operatorEnv({});
    assert.equal(inCluster.REGISTRY_PUBLIC_URL, `https://gr-go-registry.${ns}.svc`);
    assert.equal(inCluster.REGISTRY_URL, inCluster.REGISTRY_PUBLIC_URL);
    assert.equal(inCluster.SECRET_CA_FILE, undefined, 'defaults to REGISTRY_CA_FILE');
    assert.equal(inCluster.REGISTRY_CA_FILE, '/etc/go-registry/ca/ca.crt');
    const publicUrl = await operatorEnv({ 'registry.publicUrl': 'https://go.example.com' });
    assert.deepEqual([publicUrl.REGISTRY_PUBLIC_URL, publicUrl.SECRET_CA_FILE, publicUrl.REGISTRY_URL], ['https://go.example.com', 'none', inCluster.REGISTRY_URL]);
    assert.equal((await operatorEnv({ 'registry.publicUrl': 'https://go.example.com', 'registry.publicUrlCaSecret': 'corp-ca' })).SECRET_CA_FILE, '/etc/go-registry/public-ca/ca.crt');
    assert.equal((await operatorEnv({ 'tls.enabled': false })).REGISTRY_URL, `http://gr-go-registry.${ns}.svc`);
  });

  test('the Grafana dashboard is valid JSON and charts only metrics the registry and the operator export', async () => {
    const configMap = findObject((await render({ ...GITOPS, 'metrics.dashboard.enabled': true })).objects, 'ConfigMap', 'dashboard');
    assert.equal(configMap.metadata.labels?.grafana_dashboard, '1');
    const dashboard = JSON.parse((configMap.data as Record<string, string>)['go-registry.json']!) as { panels: { targets: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    assert.ok(exprs.length >= 8);
    const sources = (await Promise.all(['registry/metrics.ts', 'operator/runtime/metrics.ts'].map((f) => readFile(path.join(REPO_ROOT, f), 'utf8')))).join('\n');
    const metrics = new Set(exprs.flatMap((e) => [...e.matchAll(/\b([a-z_]+(?:_total|_seconds|_status|_depth)(?:_bucket|_count|_sum)?)\{/g)].map((m) => m[1]!.replace(/_(bucket|count|sum)$/, ''))));
    assert.ok(metrics.size >= 6, [...metrics].join(', '));
    for (const m of metrics) assert.ok(sources.includes(`name: '${m}'`), `the dashboard charts ${m}, which nothing exports`);
  });

  test('ServiceMonitors render only when the monitoring API is present', async () => {
    const values = { ...GITOPS, 'metrics.serviceMonitor.enabled': true };
    const withApi = await render(values);
    assert.equal(withApi.objects.filter((o) => o.kind === 'ServiceMonitor').length, 2);
    const r = await helm(['template', 'gr', CHART_DIR, '--namespace', ns, ...setFlags(values)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(parseManifests(r.stdout).filter((o) => o.kind === 'ServiceMonitor').length, 0);
  });
});

describe('chart: wrong values are refused with a clear message', () => {
  const refusals: [string, Record<string, unknown>, RegExp, string[]?][] = [
    ['an unknown database mode', { 'database.mode': 'sqlite' }, /database\/mode.*one of 'embedded', 'bundled', 'external', 'cnpg'/],
    ['an unknown key', { 'registry.replica': 2 }, /additional properties 'replica' not allowed/],
    ['a wrong type', { 'registry.replicas': 'two' }, /registry\/replicas/],
    ['a bad size', { 'registry.persistence.size': 'ten gigs' }, /registry\/persistence\/size/],
    ['an upload limit over Go\'s', { 'registry.maxUploadBytes': 600 * 1024 * 1024 }, /maxUploadBytes/],
    ['a bad namespace name', { 'operator.watchNamespaces': ['Team_A'] }, /watchNamespaces/],
    ['a negative read cache', { 'registry.readCacheMB': -1 }, /registry\/readCacheMB/],
    ['a zip cache of a fraction of a MiB', { 'registry.zipCacheMB': 0.5 }, /registry\/zipCacheMB/],
    ['external without its Secret', { 'database.mode': 'external' }, /database.mode=external needs database.external.existingSecret/],
    ['two registries on PGlite', { 'registry.replicas': 2 }, /registry.replicas > 1 needs a shared database/],
    ['two workers on PGlite', { 'registry.workers': 2 }, /registry.workers > 1 needs a shared database/],
    ['workers neither a number nor auto', { 'registry.workers': 'many' }, /registry\/workers/],
    ['workers=auto without a CPU limit', { 'registry.workers': 'auto' }, /registry.workers=auto needs registry.resources.limits.cpu/],
    ['two registries on one ReadWriteOnce volume', { 'registry.replicas': 2, 'database.mode': 'bundled' }, /registry.replicas > 1 needs blob storage every Pod reaches: storage.type=s3, or ReadWriteMany/],
    ['cnpg without its API', { 'database.mode': 'cnpg' }, /needs the CloudNativePG operator/, []],
    ['cert-manager without its API', { 'tls.certManager.enabled': true }, /needs cert-manager/, []],
    ['two TLS sources', { 'tls.certManager.enabled': true, 'tls.existingSecret': 'x' }, /tls.existingSecret and tls.certManager.enabled are exclusive/],
    ['two operators without leader election', { 'operator.replicas': 2, 'operator.leaderElection': false }, /operator.replicas > 1 needs operator.leaderElection/],
    ['an ingress without a host', { 'ingress.enabled': true }, /ingress.enabled needs ingress.host/],
    ['an empty upstream', { 'upstream.goproxy': '' }, /upstream\/goproxy/],
    ['an upstream timeout of 0', { 'upstream.timeoutSeconds': 0 }, /upstream\/timeoutSeconds/],
    ['upstream credentials that are not a Secret name', { 'upstream.credentialsSecret': 'My Creds' }, /upstream\/credentialsSecret/],
  ];
  for (const [what, values, message, apis] of refusals) {
    test(what, async () => {
      const r = await helm(['template', 'gr', CHART_DIR, '--namespace', ns, ...(apis ?? apiFlags), ...setFlags(values)]);
      assert.notEqual(r.code, 0, 'rendered anyway');
      assert.match(r.stderr, message);
    });
  }
});

describe('chart: deterministic renders (GitOps)', () => {
  test('two renders of the same values are byte-identical', async () => {
    for (const values of [GITOPS, { ...GITOPS, 'database.mode': 'external', 'database.external.existingSecret': 'pg' }, { 'adminToken.existingSecret': 'a', 'tls.certManager.enabled': true, 'metrics.dashboard.enabled': true }]) {
      const [a, b] = [await render(values), await render(values)];
      assert.equal(a.code, 0, a.stderr);
      assert.equal(a.stdout, b.stdout);
    }
  });

  test('the CA, the certificate and the database password are not rendered (the operator makes them); only the admin token differs between renders', async () => {
    const strip = (objects: K8sObject[]) => objects.filter((o) => o.kind !== 'Secret');
    const [a, b] = [await render({ 'database.mode': 'bundled' }), await render({ 'database.mode': 'bundled' })];
    assert.deepEqual(strip(a.objects), strip(b.objects));
    assert.notDeepEqual(a.objects.filter((o) => o.kind === 'Secret'), b.objects.filter((o) => o.kind === 'Secret'), 'generated values are random');
    const secrets = a.objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name).sort();
    assert.deepEqual(secrets, ['gr-go-registry-admin-token']);
    const operator = podSpec(findObject(a.objects, 'Deployment', 'operator')).spec.containers[0]!.env!;
    const names = new Set(operator.map((e) => e.name));
    for (const env of ['GENERATED_TLS_SECRET', 'GENERATED_CA_SECRET', 'GENERATED_TLS_DNS_NAMES', 'GENERATED_PASSWORD_SECRET']) assert.ok(names.has(env), env);
  });
});

describe('chart: workloads', () => {
  test('every workload is hardened, labelled and sized, in every mode', async () => {
    for (const values of Object.values(scenarios())) {
      const { objects } = await render(values);
      for (const w of workloads(objects)) {
        const template = podSpec(w);
        const where = `${w.kind}/${w.metadata.name}`;
        for (const label of ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component', 'app.kubernetes.io/version', 'app.kubernetes.io/managed-by']) {
          assert.ok(w.metadata.labels?.[label], `${where} lacks ${label}`);
          assert.ok(template.metadata.labels[label], `${where}'s Pods lack ${label}`);
        }
        assert.equal(template.spec.securityContext?.runAsNonRoot, true, where);
        assert.deepEqual(template.spec.securityContext?.seccompProfile, { type: 'RuntimeDefault' }, where);
        for (const c of template.spec.containers) {
          assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${where}/${c.name}`);
          assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${where}/${c.name}`);
          assert.deepEqual(c.securityContext?.capabilities, { drop: ['ALL'] }, `${where}/${c.name}`);
          assert.ok((c.resources as { requests?: unknown })?.requests, `${where}/${c.name} has no resource requests`);
        }
      }
    }
  });

  test('the registry runs Recreate on ReadWriteOnce and RollingUpdate on ReadWriteMany; PVC and generated Secrets are kept', async () => {
    const strategy = async (values: Record<string, unknown>) =>
      (findObject((await render(values)).objects, 'Deployment', 'gr-go-registry').spec as { strategy: { type: string } }).strategy.type;
    assert.equal(await strategy(GITOPS), 'Recreate');
    assert.equal(await strategy({ ...GITOPS, 'registry.persistence.accessModes': ['ReadWriteMany'] }), 'RollingUpdate');
    const { objects } = await render({ 'database.mode': 'bundled' });
    for (const o of objects.filter((x) => x.kind === 'Secret' || x.kind === 'PersistentVolumeClaim')) {
      assert.equal(o.metadata.annotations?.['helm.sh/resource-policy'], 'keep', `${o.kind}/${o.metadata.name}`);
    }
  });

  test('RBAC: a ClusterRole when watching all namespaces, Roles in each watched namespace otherwise, leases only in the release namespace', async () => {
    const all = (await render(GITOPS)).objects;
    const clusterRole = findObject(all, 'ClusterRole');
    const rules = clusterRole.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    const verbs = (resource: string) => rules.find((r) => r.resources.includes(resource))?.verbs ?? [];
    assert.deepEqual(verbs('gopackageowners/status').sort(), ['get', 'patch', 'update']);
    assert.deepEqual(verbs('gopackageowners/finalizers'), ['update']);
    assert.ok(!rules.some((r) => r.resources.includes('*') || r.verbs.includes('*')), 'no wildcards');
    assert.ok(!rules.some((r) => r.resources.includes('leases')), 'leases are not cluster-wide');
    const lease = all.find((o) => o.kind === 'Role' && o.metadata.name.endsWith('leader-election'));
    assert.equal(lease?.metadata.namespace, ns);
    const scoped = (await render({ ...GITOPS, 'operator.watchNamespaces': [teamA, teamB] })).objects;
    assert.equal(scoped.filter((o) => o.kind === 'ClusterRole').length, 0);
    assert.deepEqual(scoped.filter((o) => o.kind === 'RoleBinding' && !o.metadata.name.endsWith('leader-election')).map((o) => o.metadata.namespace).sort(), [teamA, teamB].sort());
    const env = podSpec(findObject(scoped, 'Deployment', 'operator')).spec.containers[0]!.env!;
    assert.equal(env.find((e) => e.name === 'WATCH_NAMESPACE')?.value, `${teamA},${teamB}`);
  });

  test('the image: Node 24, non-root as the chart runs it, production dependencies only, and the commands the chart runs exist after the build', async () => {
    const dockerfile = await readFile(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const stages = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    assert.ok(stages.length >= 2 && stages.every((s) => s!.startsWith('node:24')), `stages: ${stages.join(', ')}`);
    assert.match(dockerfile, /npm ci --omit=dev/);
    assert.match(dockerfile, /npx tsc -p tsconfig\.build\.json && node scripts\/copy-assets\.mjs/);
    const user = /^USER (\d+)/m.exec(dockerfile)?.[1];
    const { objects } = await render(GITOPS);
    for (const w of workloads(objects)) {
      assert.equal(String(podSpec(w).spec.securityContext?.runAsUser), user, `${w.metadata.name} runs as the image's user`);
      const command = podSpec(w).spec.containers[0]!.command!;
      assert.equal(command[0], 'node');
      assert.match(command[1]!, /^\/app\/dist\//);
      assert.ok(existsSync(path.join(REPO_ROOT, command[1]!.replace(/^\/app\//, ''))), `${command[1]} is not built`);
    }
    const ignored = await readFile(path.join(REPO_ROOT, '.dockerignore'), 'utf8');
    for (const entry of ['node_modules', 'dist', 'data', '.git']) assert.match(ignored, new RegExp(`^${entry.replace('.', '\\.')}$`, 'm'));
  });
});

describe('chart: registry.workers and the caches', () => {
  const registryEnv = async (name: string, values: Record<string, unknown>) => {
    const r = await render({ ...GITOPS, ...values });
    assert.equal(r.code, 0, r.stderr);
    const registry = workloads(r.objects).find((o) => o.metadata.name.endsWith('-registry'))!;
    return podSpec(registry).spec.containers[0]!.env?.find((e) => e.name === name)?.value;
  };
  const workersEnv = (values: Record<string, unknown>) => registryEnv('WORKERS', values);
  test('sets READ_CACHE_MB and ZIP_CACHE_MB: 64 each by default, 0 turns one off', async () => {
    assert.equal(await registryEnv('READ_CACHE_MB', {}), '64');
    assert.equal(await registryEnv('ZIP_CACHE_MB', {}), '64');
    assert.equal(await registryEnv('ZIP_CACHE_MB', { 'registry.zipCacheMB': 0 }), '0');
  });
  test('sets WORKERS: 1 by default, a number on PostgreSQL, auto (with a CPU limit) on any database (one process on PGlite)', async () => {
    assert.equal(await workersEnv({}), '1');
    assert.equal(await workersEnv({ 'database.mode': 'external', 'database.external.existingSecret': 'pg-url', 'registry.workers': 3 }), '3');
    assert.equal(await workersEnv({ 'registry.workers': 'auto', 'registry.resources.limits.cpu': '2' }), 'auto');
  });
});

describe("chart: the registry's own checksum database (sumdb)", () => {
  type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } };
  const sumdbEnv = async (values: Record<string, unknown>) => {
    const r = await render({ ...GITOPS, ...values });
    assert.equal(r.code, 0, r.stderr);
    const env = podSpec(findObject(r.objects, 'Deployment', 'gr-go-registry')).spec.containers[0]!.env as EnvVar[];
    return { r, env: env.filter((e) => e.name.startsWith('SUMDB_')) };
  };
  test('by default the name, and no key: the registry generates it onto its volume; no Secret rendered', async () => {
    const { r, env } = await sumdbEnv({});
    assert.deepEqual(env, [{ name: 'SUMDB_NAME', value: 'go-registry' }]);
    assert.deepEqual(r.objects.filter((o) => o.kind === 'Secret'), []);
  });
  test('existingSecret wires the signing key from that Secret; a bad name is refused at render', async () => {
    const { env } = await sumdbEnv({ 'sumdb.existingSecret': 'sumdb-key', 'sumdb.name': 'sum.corp.example' });
    assert.deepEqual(env, [
      { name: 'SUMDB_NAME', value: 'sum.corp.example' },
      { name: 'SUMDB_SIGNING_KEY', valueFrom: { secretKeyRef: { name: 'sumdb-key', key: 'signing-key' } } },
    ]);
    const bad = await helm(['template', 'gr', CHART_DIR, '--namespace', ns, ...apiFlags, ...setFlags({ 'sumdb.name': 'a b+c' })]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /sumdb\/name/);
  });
});

describe('chart: the pull-through cache (upstream)', () => {
  type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string; optional?: boolean } } };
  const registryEnv = async (values: Record<string, unknown>, extra: string[] = []) => {
    const r = await render({ ...GITOPS, ...values }, extra);
    assert.equal(r.code, 0, r.stderr);
    const env = podSpec(findObject(r.objects, 'Deployment', 'gr-go-registry')).spec.containers[0]!.env as EnvVar[];
    return { r, env, upstream: env.filter((e) => e.name.startsWith('UPSTREAM_')) };
  };
  /** The registry's own configuration loader reads what the chart sets: names and values it accepts. */
  const registryConfig = (env: EnvVar[], secrets: Record<string, string> = {}) =>
    loadConfig({
      REGISTRY_ADMIN_TOKEN: 'x'.repeat(32), DATA_DIR: '/data',
      ...Object.fromEntries(env.filter((e) => e.name.startsWith('UPSTREAM_')).map((e) => [e.name, e.value ?? secrets[e.valueFrom!.secretKeyRef.key] ?? ''])),
    }).upstream;

  test('defaults: Go\'s public proxy and checksum database, the timeouts, no credentials and no Secret for them', async () => {
    const { r, env, upstream } = await registryEnv({});
    assert.deepEqual(Object.fromEntries(upstream.map((e) => [e.name, e.value])), {
      UPSTREAM_GOPROXY: 'https://proxy.golang.org', UPSTREAM_SUMDB: 'sum.golang.org', UPSTREAM_NOSUMDB: '',
      UPSTREAM_CONNECT_TIMEOUT_SECONDS: '5', UPSTREAM_TIMEOUT_SECONDS: '30', UPSTREAM_LIST_TTL_SECONDS: '60', UPSTREAM_NOT_FOUND_TTL_SECONDS: '300',
    });
    assert.equal(env.filter((e) => e.valueFrom && e.name.startsWith('UPSTREAM_')).length, 0, 'no credentials');
    assert.deepEqual(r.objects.filter((o) => o.kind === 'Secret'), [], 'with GitOps values the chart renders no Secret at all');
    const config = registryConfig(env);
    assert.deepEqual([config.goproxy.map((p) => p.url), config.sumdb?.name, config.timeoutMs, config.notFoundTtlMs, config.authorization], [['https://proxy.golang.org'], 'sum.golang.org', 30_000, 300_000, undefined]);
  });

  test('credentialsSecret wires username, password and token from that Secret (optional keys), never generated', async () => {
    const plain = await registryEnv({});
    const { r, upstream, env } = await registryEnv({ 'upstream.credentialsSecret': 'artifactory-creds', 'upstream.goproxy': 'https://artifactory.example.com/api/go/go-remote' });
    const refs = upstream.filter((e) => e.valueFrom).map((e) => [e.name, e.valueFrom!.secretKeyRef]);
    assert.deepEqual(refs, [
      ['UPSTREAM_PASSWORD', { name: 'artifactory-creds', key: 'password', optional: true }],
      ['UPSTREAM_TOKEN', { name: 'artifactory-creds', key: 'token', optional: true }],
      ['UPSTREAM_USERNAME', { name: 'artifactory-creds', key: 'username', optional: true }],
    ]);
    assert.deepEqual(r.objects.filter((o) => o.kind === 'Secret'), plain.r.objects.filter((o) => o.kind === 'Secret'), 'no Secret added');
    const basic = registryConfig(env, { username: 'ci', password: 'pw' });
    assert.equal(basic.authorization, `Basic ${Buffer.from('ci:pw').toString('base64')}`);
    assert.equal(registryConfig(env, { token: 't0k' }).authorization, 'Bearer t0k');
  });

  test('goproxy off (air-gapped), set on the command line or as a bare off in a values file; the other values mapped', async () => {
    const file = path.join(home.dir, 'air-gapped.yaml');
    await writeFile(file, 'upstream:\n  goproxy: off\n  sumdb: off\n');
    for (const [what, values, extra] of [['--set-json', { 'upstream.goproxy': 'off', 'upstream.sumdb': 'off' }, []], ['values file (YAML 1.1 reads false)', {}, ['-f', file]]] as const) {
      const { upstream, env } = await registryEnv(values, [...extra]);
      const byName = Object.fromEntries(upstream.map((e) => [e.name, e.value]));
      assert.deepEqual([byName.UPSTREAM_GOPROXY, byName.UPSTREAM_SUMDB], ['off', 'off'], what);
      const config = registryConfig(env);
      assert.deepEqual([config.goproxy, config.sumdb], [[], undefined], what);
    }
    const tuned = await registryEnv({ 'upstream.goproxy': 'https://a.example|https://b.example', 'upstream.nosumdb': 'corp.example/*', 'upstream.connectTimeoutSeconds': 2, 'upstream.timeoutSeconds': 9, 'upstream.listTtlSeconds': 0, 'upstream.notFoundTtlSeconds': 30 });
    const config = registryConfig(tuned.env);
    assert.deepEqual(config.goproxy.map((p) => p.url), ['https://a.example', 'https://b.example']);
    assert.deepEqual([config.noSumdb, config.connectTimeoutMs, config.timeoutMs, config.listTtlMs, config.notFoundTtlMs], [['corp.example/*'], 2000, 9000, 0, 30_000]);
  });

  test('NOTES show the one-line cluster setup, and say when the cache is all there is', async () => {
    const notes = async (values: Record<string, unknown>) => {
      const r = await helm(['install', 'gr', CHART_DIR, '--dry-run=client', '--namespace', ns, ...setFlags({ ...GITOPS, ...values })]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.slice(r.stdout.indexOf('NOTES:'));
    };
    const text = await notes({});
    assert.match(text, new RegExp(`GOPROXY=https://gr-go-registry\\.${ns}\\.svc/go GOSUMDB="\\$\\(curl -s https://gr-go-registry\\.${ns}\\.svc/api/sumdb/key\\) https://gr-go-registry\\.${ns}\\.svc/sumdb/go-registry"`));
    assert.match(text, /cache of https:\/\/proxy\.golang\.org/);
    assert.match(await notes({ 'upstream.goproxy': 'off' }), /upstream\.goproxy is off: warmed caches only/);
  });
});
