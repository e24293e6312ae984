/**
 * The chart's workloads as rendered (hardened, labelled and sized in every mode, their strategy,
 * RBAC, the image's commands) and what each component's values turn into: the operator at
 * scale, workers and caches, the registry's checksum database, the pull-through cache.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../registry/config/config.js';
import { REPO_ROOT } from '../support/paths.js';
import { CHART_DIR, findObject, setFlags } from './chart.js';
import { apiFlags, chartRenderSuite, GITOPS, podSpec, scenarios, workloads } from './chart-render-suite.js';

const s = chartRenderSuite('chart-values-render');

describe('chart: workloads', () => {
  test('every workload is hardened, labelled and sized, in every mode', async () => {
    for (const values of Object.values(scenarios(s))) {
      const { objects } = await s.render(values);
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
      (findObject((await s.render(values)).objects, 'Deployment', 'gr-go-registry').spec as { strategy: { type: string } }).strategy.type;
    assert.equal(await strategy(GITOPS), 'Recreate');
    assert.equal(await strategy({ ...GITOPS, 'registry.persistence.accessModes': ['ReadWriteMany'] }), 'RollingUpdate');
    const { objects } = await s.render({ 'database.mode': 'bundled' });
    for (const o of objects.filter((x) => x.kind === 'Secret' || x.kind === 'PersistentVolumeClaim')) {
      assert.equal(o.metadata.annotations?.['helm.sh/resource-policy'], 'keep', `${o.kind}/${o.metadata.name}`);
    }
  });

  test('RBAC: a ClusterRole when watching all namespaces, Roles in each watched namespace otherwise, leases only in the release namespace', async () => {
    const all = (await s.render(GITOPS)).objects;
    const clusterRole = findObject(all, 'ClusterRole');
    const rules = clusterRole.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    const verbs = (resource: string) => rules.find((r) => r.resources.includes(resource))?.verbs ?? [];
    assert.deepEqual(verbs('gopackageowners/status').sort(), ['get', 'patch', 'update']);
    assert.deepEqual(verbs('gopackageowners/finalizers'), ['update']);
    assert.ok(!rules.some((r) => r.resources.includes('*') || r.verbs.includes('*')), 'no wildcards');
    assert.ok(!rules.some((r) => r.resources.includes('leases')), 'leases are not cluster-wide');
    const lease = all.find((o) => o.kind === 'Role' && o.metadata.name.endsWith('leader-election'));
    assert.equal(lease?.metadata.namespace, s.ns);
    const scoped = (await s.render({ ...GITOPS, 'operator.watchNamespaces': [s.teamA, s.teamB] })).objects;
    assert.equal(scoped.filter((o) => o.kind === 'ClusterRole').length, 0);
    assert.deepEqual(scoped.filter((o) => o.kind === 'RoleBinding' && !o.metadata.name.endsWith('leader-election')).map((o) => o.metadata.namespace).sort(), [s.teamA, s.teamB].sort());
    const env = podSpec(findObject(scoped, 'Deployment', 'operator')).spec.containers[0]!.env!;
    assert.equal(env.find((e) => e.name === 'WATCH_NAMESPACE')?.value, `${s.teamA},${s.teamB}`);
  });

  test('the image: Node 24, non-root as the chart runs it, production dependencies only, and the commands the chart runs exist after the build', async () => {
    const dockerfile = await readFile(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const stages = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    assert.ok(stages.length >= 2 && stages.every((s) => s!.startsWith('node:24')), `stages: ${stages.join(', ')}`);
    assert.match(dockerfile, /npm ci --omit=dev/);
    assert.match(dockerfile, /npx tsc -p tsconfig\.build\.json && node scripts\/copy-assets\.mjs/);
    const user = /^USER (\d+)/m.exec(dockerfile)?.[1];
    const { objects } = await s.render(GITOPS);
    for (const w of workloads(objects)) {
      assert.equal(String(podSpec(w).spec.securityContext?.runAsUser), user, `${w.metadata.name} runs as the image's user`);
      // node, its options (the operator's operator.nodeArgs), then the script.
      const command = podSpec(w).spec.containers[0]!.command!;
      const script = command.at(-1)!;
      assert.equal(command[0], 'node');
      for (const option of command.slice(1, -1)) assert.match(option, /^--/, `${w.metadata.name}: node options come before the script`);
      assert.match(script, /^\/app\/dist\//);
      assert.ok(existsSync(path.join(REPO_ROOT, script.replace(/^\/app\//, ''))), `${script} is not built`);
    }
    const ignored = await readFile(path.join(REPO_ROOT, '.dockerignore'), 'utf8');
    for (const entry of ['node_modules', 'dist', 'data', '.git']) assert.match(ignored, new RegExp(`^${entry.replace('.', '\\.')}$`, 'm'));
  });
});

describe('chart: the operator at scale', () => {
  const operatorContainer = async (values: Record<string, unknown>) => {
    const r = await s.render({ ...GITOPS, ...values });
    assert.equal(r.code, 0, r.stderr);
    return podSpec(workloads(r.objects).find((o) => o.metadata.name.endsWith('-operator'))!).spec.containers[0]!;
  };
  test("runs node with operator.nodeArgs and MALLOC_ARENA_MAX (the memory bench/README.md measured); both can be turned off", async () => {
    const c = await operatorContainer({});
    assert.deepEqual(c.command, ['node', '--max-semi-space-size=1', '--heap-growing-percent=10', '/app/dist/operator/main.js']);
    assert.equal(c.env?.find((e) => e.name === 'MALLOC_ARENA_MAX')?.value, '2');
    assert.equal(c.env?.find((e) => e.name === 'MAX_CONCURRENT_RECONCILES')?.value, '16');
    const plain = await operatorContainer({ 'operator.nodeArgs': [], 'operator.mallocArenaMax': 0 });
    assert.deepEqual(plain.command, ['node', '/app/dist/operator/main.js']);
    assert.equal(plain.env?.find((e) => e.name === 'MALLOC_ARENA_MAX'), undefined);
    const bad = await s.render({ ...GITOPS, 'operator.nodeArgs': ['rm -rf'] });
    assert.notEqual(bad.code, 0, 'a node option must start with --');
  });
});

describe('chart: registry.workers and the caches', () => {
  const registryEnv = async (name: string, values: Record<string, unknown>) => {
    const r = await s.render({ ...GITOPS, ...values });
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
    const r = await s.render({ ...GITOPS, ...values });
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
    const bad = await s.helm(['template', 'gr', CHART_DIR, '--namespace', s.ns, ...apiFlags, ...setFlags({ 'sumdb.name': 'a b+c' })]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /sumdb\/name/);
  });
});

describe('chart: the pull-through cache (upstream)', () => {
  type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string; optional?: boolean } } };
  const registryEnv = async (values: Record<string, unknown>, extra: string[] = []) => {
    const r = await s.render({ ...GITOPS, ...values }, extra);
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
    const file = path.join(s.home.dir, 'air-gapped.yaml');
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
      const r = await s.helm(['install', 'gr', CHART_DIR, '--dry-run=client', '--namespace', s.ns, ...setFlags({ ...GITOPS, ...values })]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.slice(r.stdout.indexOf('NOTES:'));
    };
    const text = await notes({});
    assert.match(text, new RegExp(`GOPROXY=https://gr-go-registry\\.${s.ns}\\.svc/go GOSUMDB="\\$\\(curl -s https://gr-go-registry\\.${s.ns}\\.svc/api/sumdb/key\\) https://gr-go-registry\\.${s.ns}\\.svc/sumdb/go-registry"`));
    assert.match(text, /cache of https:\/\/proxy\.golang\.org/);
    assert.match(await notes({ 'upstream.goproxy': 'off' }), /upstream\.goproxy is off: warmed caches only/);
  });
});
