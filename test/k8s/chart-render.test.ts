/**
 * The chart as rendered: lint, every database mode and main toggle accepted by the real
 * API server (server-side dry run, with the real CRDs of the optional APIs installed),
 * schema and contradiction refusals with clear messages, byte-identical renders for GitOps,
 * the CRD template identical to crds/. The workloads and each component's values:
 * chart-values-render.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../support/paths.js';
import { CHART_DIR, findObject, parseManifests, setFlags, type K8sObject } from './chart.js';
import { apiFlags, chartRenderSuite, GITOPS, podSpec, scenarios, workloads } from './chart-render-suite.js';

const run = promisify(execFile);
const s = chartRenderSuite('chart-render');

describe('chart: lint and metadata', () => {
  test('helm lint --strict passes for the defaults and for each database mode', async () => {
    for (const values of [{}, { 'database.mode': 'bundled' }, { 'database.mode': 'external', 'database.external.existingSecret': 'x' }]) {
      const r = await s.helm(['lint', '--strict', CHART_DIR, ...setFlags(values)]);
      assert.equal(r.code, 0, `${JSON.stringify(values)}: ${r.stdout}${r.stderr}`);
    }
  });

  test('appVersion is the package version, and the default image tag follows it', async () => {
    const chart = parseYaml(await readFile(path.join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { apiVersion: string; appVersion: string };
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(chart.apiVersion, 'v2');
    assert.equal(chart.appVersion, pkg.version);
    const { objects } = await s.render(GITOPS);
    for (const w of workloads(objects)) {
      assert.match(String((podSpec(w).spec.containers[0] as { image?: string }).image), new RegExp(`:${pkg.version.replace(/\./g, '\\.')}$`));
    }
  });

  test('the CRD template is generated from crds/ and identical to it', async () => {
    const check = await run(process.execPath, [path.join(REPO_ROOT, 'scripts', 'generate-chart-crds.mjs'), '--check']).then(() => 0, () => 1);
    assert.equal(check, 0, 'charts/go-registry/templates/crd-*.yaml is stale: run npm run chart:crds');
    const source = parseYaml(await readFile(path.join(REPO_ROOT, 'crds', 'goregistry.dev_gopackageowners.yaml'), 'utf8')) as K8sObject;
    const rendered = findObject((await s.render(GITOPS)).objects, 'CustomResourceDefinition');
    assert.deepEqual(rendered.spec, source.spec);
    assert.equal(rendered.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
    const without = await s.render({ ...GITOPS, 'crds.install': false });
    assert.equal(without.objects.filter((o) => o.kind === 'CustomResourceDefinition').length, 0);
  });
});

describe('chart: every render is accepted by the real API server', () => {
  for (const name of Object.keys(scenarios(s))) {
    test(name, async () => {
      const r = await s.render(scenarios(s)[name]!);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.objects.length >= 3, `only ${r.objects.length} objects`);
      const applied = await s.cluster.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], r.stdout);
      assert.equal(applied.code, 0, applied.stderr);
    });
  }

  test('the examples: owners for GitOps, a Pod that uses a token Secret, the Argo CD and Flux manifests', async () => {
    for (const file of ['gitops/owners', 'go-build-pod.yaml']) {
      const r = await s.cluster.kubectl(['-n', s.teamA, 'apply', '--dry-run=server', '--validate=strict', '-f', path.join(REPO_ROOT, 'examples', file)]);
      assert.equal(r.code, 0, `${file}: ${r.stderr}`);
    }
    for (const file of ['argocd-application.yaml', 'flux-kustomization.yaml']) {
      const text = await readFile(path.join(REPO_ROOT, 'examples', 'gitops', file), 'utf8');
      for (const o of parseManifests(text)) {
        await s.cluster.kubectl(['create', 'namespace', o.metadata.namespace!]); // argocd, flux-system: may exist already
        // The folder they sync is this repository's examples/gitops/owners.
        const synced = (o.spec as { source?: { path?: string }; path?: string }).source?.path ?? (o.spec as { path?: string }).path;
        if (synced) assert.equal(path.normalize(synced), path.join('examples', 'gitops', 'owners'), `${file}: ${o.kind} syncs ${synced}`);
      }
      const r = await s.cluster.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], text);
      assert.equal(r.code, 0, `${file}: ${r.stderr}`);
    }
  });

  test('each database mode wires DATABASE_URL to its source', async () => {
    const env = async (values: Record<string, unknown>) => {
      const registry = findObject((await s.render(values)).objects, 'Deployment', 'gr-go-registry');
      return podSpec(registry).spec.containers[0]!.env as { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
    };
    assert.equal((await env({})).find((e) => e.name === 'DATABASE_URL'), undefined, 'embedded: no DATABASE_URL');
    const bundled = await env({ 'database.mode': 'bundled' });
    assert.equal(bundled.find((e) => e.name === 'DATABASE_URL')?.value, `postgres://goregistry:$(POSTGRES_PASSWORD)@gr-go-registry-postgres.${s.ns}.svc:5432/goregistry`);
    assert.ok(bundled.findIndex((e) => e.name === 'POSTGRES_PASSWORD') < bundled.findIndex((e) => e.name === 'DATABASE_URL'), 'Kubernetes expands $(VAR) only from earlier entries');
    assert.deepEqual((await env({ 'database.mode': 'external', 'database.external.existingSecret': 'pg-url' })).find((e) => e.name === 'DATABASE_URL')?.valueFrom, { secretKeyRef: { name: 'pg-url', key: 'DATABASE_URL' } });
    assert.deepEqual((await env({ 'database.mode': 'cnpg' })).find((e) => e.name === 'DATABASE_URL')?.valueFrom, { secretKeyRef: { name: 'gr-go-registry-db-app', key: 'uri' } });
  });

  test('token Secrets carry the Service CA, or the public URL\'s CA, or none for a publicly trusted public URL', async () => {
    const operatorEnv = async (values: Record<string, unknown>) => {
      const env = podSpec(findObject((await s.render({ ...GITOPS, ...values })).objects, 'Deployment', 'operator')).spec.containers[0]!.env!;
      return Object.fromEntries(env.map((e) => [e.name, e.value]));
    };
    const inCluster = await operatorEnv({});
    assert.equal(inCluster.REGISTRY_PUBLIC_URL, `https://gr-go-registry.${s.ns}.svc`);
    assert.equal(inCluster.REGISTRY_URL, inCluster.REGISTRY_PUBLIC_URL);
    assert.equal(inCluster.SECRET_CA_FILE, undefined, 'defaults to REGISTRY_CA_FILE');
    assert.equal(inCluster.REGISTRY_CA_FILE, '/etc/go-registry/ca/ca.crt');
    const publicUrl = await operatorEnv({ 'registry.publicUrl': 'https://go.example.com' });
    assert.deepEqual([publicUrl.REGISTRY_PUBLIC_URL, publicUrl.SECRET_CA_FILE, publicUrl.REGISTRY_URL], ['https://go.example.com', 'none', inCluster.REGISTRY_URL]);
    assert.equal((await operatorEnv({ 'registry.publicUrl': 'https://go.example.com', 'registry.publicUrlCaSecret': 'corp-ca' })).SECRET_CA_FILE, '/etc/go-registry/public-ca/ca.crt');
    assert.equal((await operatorEnv({ 'tls.enabled': false })).REGISTRY_URL, `http://gr-go-registry.${s.ns}.svc`);
  });

  test('the Grafana dashboard is valid JSON and charts only metrics the registry and the operator export', async () => {
    const configMap = findObject((await s.render({ ...GITOPS, 'metrics.dashboard.enabled': true })).objects, 'ConfigMap', 'dashboard');
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
    const withApi = await s.render(values);
    assert.equal(withApi.objects.filter((o) => o.kind === 'ServiceMonitor').length, 2);
    const r = await s.helm(['template', 'gr', CHART_DIR, '--namespace', s.ns, ...setFlags(values)]);
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
      const r = await s.helm(['template', 'gr', CHART_DIR, '--namespace', s.ns, ...(apis ?? apiFlags), ...setFlags(values)]);
      assert.notEqual(r.code, 0, 'rendered anyway');
      assert.match(r.stderr, message);
    });
  }
});

describe('chart: deterministic renders (GitOps)', () => {
  test('two renders of the same values are byte-identical', async () => {
    for (const values of [GITOPS, { ...GITOPS, 'database.mode': 'external', 'database.external.existingSecret': 'pg' }, { 'adminToken.existingSecret': 'a', 'tls.certManager.enabled': true, 'metrics.dashboard.enabled': true }]) {
      const [a, b] = [await s.render(values), await s.render(values)];
      assert.equal(a.code, 0, a.stderr);
      assert.equal(a.stdout, b.stdout);
    }
  });

  test('the CA, the certificate and the database password are not rendered (the operator makes them); renders are byte-identical', async () => {
    const [a, b] = [await s.render({ 'database.mode': 'bundled' }), await s.render({ 'database.mode': 'bundled' })];
    assert.equal(a.stdout, b.stdout);
    const secrets = a.objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name).sort();
    assert.deepEqual(secrets, [], 'no Secret at all: no admin token (workload identity), and the operator makes the CA and password');
    const operator = podSpec(findObject(a.objects, 'Deployment', 'operator')).spec.containers[0]!.env!;
    const names = new Set(operator.map((e) => e.name));
    for (const env of ['GENERATED_TLS_SECRET', 'GENERATED_CA_SECRET', 'GENERATED_TLS_DNS_NAMES', 'GENERATED_PASSWORD_SECRET']) assert.ok(names.has(env), env);
  });

  test('two renders with default values make no admin token: no Secret, nothing that reads one', async () => {
    const [a, b] = [await s.render({}), await s.render({})];
    for (const r of [a, b]) {
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.objects.filter((o) => o.kind === 'Secret'), []);
      assert.doesNotMatch(r.stdout, /REGISTRY_ADMIN_TOKEN|admin-token/);
    }
    assert.equal(a.stdout, b.stdout, 'byte-identical');
  });
});

