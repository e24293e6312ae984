/**
 * The chart's workload identity as rendered: the registry is configured with the cluster's
 * own issuer (values, parsed by the registry's own config loader), a projected kube-api
 * volume and RBAC for TokenReview and discovery; the operator authenticates with a projected
 * token of audience go-registry and is the admin ServiceAccount; an admin token of the user's
 * Secret replaces that; and a chart with neither refuses to render. Accepted by the real API
 * server (server-side dry run).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../registry/config/config.js';
import { tempDir } from '../support/paths.js';
import { CHART_DIR, findObject, helmRunner, parseManifests, setFlags, type K8sObject } from './chart.js';
import { sharedCluster, type SharedCluster } from './cluster.js';

let cluster: SharedCluster;
let helm: ReturnType<typeof helmRunner>;
let ns: string;
let home: { dir: string; remove: () => Promise<void> };

interface Container { env?: { name: string; value?: string }[]; volumeMounts?: { name: string; mountPath: string }[] }
interface Pod { serviceAccountName: string; automountServiceAccountToken?: boolean; containers: Container[]; volumes?: { name: string; projected?: { sources: Record<string, Record<string, unknown>>[] }; secret?: { secretName: string } }[] }
const pod = (o: K8sObject) => (o.spec as { template: { spec: Pod } }).template.spec;
const envOf = (p: Pod) => Object.fromEntries((p.containers[0]!.env ?? []).map((e) => [e.name, e.value]));
const render = async (values: Record<string, unknown>) => {
  const r = await helm(['template', 'gr', CHART_DIR, '--namespace', ns, ...setFlags(values)]);
  return { ...r, objects: r.code === 0 ? parseManifests(r.stdout) : [] };
};

before(async () => {
  cluster = await sharedCluster();
  home = await tempDir('helm-identity');
  helm = helmRunner(cluster, home.dir);
  ns = await cluster.namespace('chart-identity');
});
after(async () => {
  await cluster?.kubectl(['delete', 'namespace', ns, '--wait=false']);
  await home?.remove();
  await cluster?.release();
});

describe('chart: workload identity', () => {
  test('defaults: the cluster issuer for the registry, a projected go-registry token for the operator, RBAC for TokenReview', async () => {
    const { objects, stderr, code } = await render({ 'workloadIdentity.issuer': 'https://oidc.example.com/cluster-1' });
    assert.equal(code, 0, stderr);
    const registry = pod(findObject(objects, 'Deployment', 'gr-go-registry'));
    const env = envOf(registry);
    const identity = loadConfig({ OIDC_ISSUERS: env.OIDC_ISSUERS!, ADMIN_SERVICE_ACCOUNTS: env.ADMIN_SERVICE_ACCOUNTS! }).identity;
    assert.deepEqual(identity.issuers.map((i) => [i.issuer, i.kind, i.audience, i.url, i.caFile, i.tokenFile, i.reviewCacheSeconds]), [[
      'https://oidc.example.com/cluster-1', 'kubernetes', 'go-registry', 'https://kubernetes.default.svc',
      '/var/run/secrets/go-registry/kube-api/ca.crt', '/var/run/secrets/go-registry/kube-api/token', 10,
    ]]);
    const operator = pod(findObject(objects, 'Deployment', 'operator'));
    assert.deepEqual(identity.adminServiceAccounts, [{ namespace: ns, name: operator.serviceAccountName }], 'the operator is the admin');
    assert.equal(registry.automountServiceAccountToken, false, 'only the projected kube-api volume, no automounted token');
    const kubeApi = registry.volumes?.find((v) => v.name === 'kube-api')?.projected?.sources;
    assert.deepEqual(kubeApi?.map((s) => Object.keys(s)[0]), ['serviceAccountToken', 'configMap']);
    assert.equal((kubeApi?.[1]?.configMap as { name: string }).name, 'kube-root-ca.crt');
    assert.equal(registry.containers[0]!.volumeMounts?.find((m) => m.name === 'kube-api')?.mountPath, '/var/run/secrets/go-registry/kube-api');

    const opEnv = envOf(operator);
    assert.equal(opEnv.REGISTRY_SERVICE_ACCOUNT_TOKEN_FILE, '/var/run/secrets/go-registry/registry-token/token');
    assert.equal(opEnv.REGISTRY_ADMIN_TOKEN_FILE, undefined);
    const projected = operator.volumes?.find((v) => v.name === 'registry-token')?.projected?.sources[0]?.serviceAccountToken;
    assert.deepEqual(projected, { audience: 'go-registry', expirationSeconds: 3600, path: 'token' });

    const bindings = objects.filter((o) => o.kind === 'ClusterRoleBinding' && /token-review|issuer-discovery/.test(o.metadata.name));
    const registrySa = registry.serviceAccountName;
    assert.deepEqual(bindings.map((b) => [(b as unknown as { roleRef: { name: string } }).roleRef.name, (b as unknown as { subjects: { name: string }[] }).subjects[0]!.name]).sort(), [
      ['system:auth-delegator', registrySa], ['system:service-account-issuer-discovery', registrySa],
    ]);
    const dry = await helm(['install', 'gr', CHART_DIR, '--namespace', ns, '--dry-run=server', ...setFlags({ 'workloadIdentity.issuer': 'https://oidc.example.com/cluster-1', 'crds.install': false })]);
    assert.equal(dry.code, 0, `the API server accepts the objects: ${dry.stderr}`);
  });

  test('CI issuers are added from values; an admin token of your Secret replaces the operator\'s token; neither is refused', async () => {
    const ci = await render({ 'workloadIdentity.extraIssuers': [{ issuer: 'https://token.actions.githubusercontent.com', audience: 'go-registry' }] });
    const issuers = loadConfig({ OIDC_ISSUERS: envOf(pod(findObject(ci.objects, 'Deployment', 'gr-go-registry'))).OIDC_ISSUERS! }).identity.issuers;
    assert.deepEqual(issuers.map((i) => [i.issuer, i.kind]), [['https://kubernetes.default.svc.cluster.local', 'kubernetes'], ['https://token.actions.githubusercontent.com', 'oidc']]);

    const withToken = await render({ 'adminToken.existingSecret': 'break-glass', 'adminToken.key': 'value' });
    const operator = pod(findObject(withToken.objects, 'Deployment', 'operator'));
    assert.equal(envOf(operator).REGISTRY_ADMIN_TOKEN_FILE, '/etc/go-registry/admin/token');
    assert.equal(operator.volumes?.find((v) => v.name === 'admin-token')?.secret?.secretName, 'break-glass');
    assert.equal(withToken.objects.filter((o) => o.kind === 'Secret' && o.metadata.name.includes('admin')).length, 0, 'the chart makes no admin Secret of its own');

    const off = await render({ 'workloadIdentity.enabled': false, 'adminToken.existingSecret': 'break-glass' });
    const offEnv = envOf(pod(findObject(off.objects, 'Deployment', 'gr-go-registry')));
    assert.equal(offEnv.OIDC_ISSUERS, undefined);
    assert.equal(off.objects.filter((o) => o.kind === 'ClusterRoleBinding' && o.metadata.name.includes('token-review')).length, 0);

    const neither = await render({ 'workloadIdentity.enabled': false });
    assert.notEqual(neither.code, 0);
    assert.match(neither.stderr, /the operator needs a credential for the admin API/);
    assert.equal((await render({ 'workloadIdentity.reviewCacheSeconds': 60 })).code === 0, false, 'the schema bounds the TokenReview cache');
  });
});
