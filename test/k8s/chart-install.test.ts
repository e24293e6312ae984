/**
 * The chart installed into the real control plane, and the user's flow on top of it.
 * Pods never run here (no nodes), so the registry and the operator run as local processes
 * started from their rendered Deployments (local-pod.ts): same command, same env, Secrets
 * from the cluster. The operator authenticates with a token of the chart's ServiceAccount
 * (TokenRequest API), so the chart's RBAC is what it has. The Service's DNS name reaches the
 * registry through a CONNECT proxy, as a Pod's network would route it; TLS stays end to end.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { curl } from '../support/curl.js';
import { freePort } from '../support/free-port.js';
import { goClient } from '../support/go-client.js';
import type { JsonLogProcess } from '../support/json-log-process.js';
import { makeModuleZip } from '../support/module-zips.js';
import { startPostgres, type PostgresCluster } from '../support/postgres-cluster.js';
import { REPO_ROOT, tempDir } from '../support/paths.js';
import { startServiceProxy, type ServiceProxy } from '../support/service-proxy.js';
import { CHART_DIR, findObject, helmRunner, parseManifests, setFlags, type K8sObject } from './chart.js';
import { sharedCluster, type SharedCluster } from './cluster.js';
import { installCrd } from './crd-install.js';
import { materializePod, startLocalPod } from './local-pod.js';
import { eventually as poll } from '../support/eventually.js';
import { kubectlOk, serviceAccountKubeconfig } from './kubectl.js';

const RELEASE = 'gr';
const CRD = 'customresourcedefinition/gopackageowners.goregistry.dev';
let cluster: SharedCluster;
let helm: ReturnType<typeof helmRunner>;
let ns: string; // the release namespace
let apps: string; // where the owners and their token Secrets live (the workloads' namespace)
let work: { dir: string; remove: () => Promise<void> };
let proxy: ServiceProxy;
let registry: JsonLogProcess | undefined;
let operator: JsonLogProcess | undefined;
let values: Record<string, unknown>;
let postgres: PostgresCluster;

const kubectl = (args: string[], input?: string) => kubectlOk(cluster)(args, input);
const getJson = async <T>(args: string[]) => JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
const secretValues = async (namespace: string, name: string) => {
  const s = await getJson<{ data: Record<string, string> }>(['-n', namespace, 'get', 'secret', name]);
  return Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
};
const installedManifest = async () => {
  const r = await helm(['get', 'manifest', RELEASE, '--namespace', ns]);
  assert.equal(r.code, 0, r.stderr);
  return parseManifests(r.stdout);
};

const eventually = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000) =>
  poll(what, probe, { timeoutMs, context: () => `operator log tail:\n${operator?.logs.slice(-10).join('\n')}` });

/**
 * Other suites apply the CRD too (maybe at the same moment), so it is applied here first and then adopted by
 * the release, as a user moving to the chart would: Helm takes over an object carrying its ownership metadata.
 */
async function adoptCrd(): Promise<void> {
  await installCrd(cluster);
  await kubectl(['label', CRD, 'app.kubernetes.io/managed-by=Helm', '--overwrite']);
  await kubectl(['annotate', CRD, `meta.helm.sh/release-name=${RELEASE}`, `meta.helm.sh/release-namespace=${ns}`, '--overwrite']);
}

/**
 * The operator and the registry, started from the installed release's Deployments — the operator first: it
 * makes the registry's CA and certificate (no Secret is generated at render time), and the registry's Pod
 * starts once the kubelet can mount them.
 */
async function startWorkloads(objects: K8sObject[]): Promise<void> {
  const service = `${RELEASE}-go-registry.${ns}.svc`;
  const registryPort = await freePort();
  proxy = await startServiceProxy({ [`${service}:443`]: registryPort });
  const operatorPod = await materializePod(cluster, findObject(objects, 'Deployment', 'operator'), {
    namespace: ns, podName: 'operator-0', dir: path.join(work.dir, 'operator-pod'), overrides: { METRICS_PORT: '0' },
  });
  const sa = (findObject(objects, 'Deployment', 'operator').spec as { template: { spec: { serviceAccountName: string } } }).template.spec.serviceAccountName;
  operator = await startLocalPod(operatorPod, 'operator started', {
    KUBECONFIG: await serviceAccountKubeconfig(cluster, ns, sa, path.join(work.dir, 'operator.kubeconfig')),
    HTTPS_PROXY: proxy.url,
    NO_PROXY: '127.0.0.1,localhost',
  });
  await eventually('the operator made the registry\'s certificate', async () => (await cluster.kubectl(['-n', ns, 'get', 'secret', `${RELEASE}-go-registry-tls`])).code === 0);
  const registryPod = await materializePod(cluster, findObject(objects, 'Deployment', `${RELEASE}-go-registry`), {
    namespace: ns, podName: 'registry-0', dir: path.join(work.dir, 'registry-pod'),
    overrides: { HOST: '127.0.0.1', PORT: String(registryPort), METRICS_PORT: String(await freePort()) },
  });
  registry = await startLocalPod(registryPod, 'listening');
  assert.ok(registry.logs.some((l) => l.includes('"database":"postgres"')), `the registry is not on the Secret's PostgreSQL:\n${registry.logs.join('\n')}`);
}

before(async () => {
  cluster = await sharedCluster();
  work = await tempDir('chart-install');
  helm = helmRunner(cluster, path.join(work.dir, 'helm'));
  ns = await cluster.namespace('chart-install');
  apps = await cluster.namespace('chart-apps');
  // database.mode=external with a real PostgreSQL: DATABASE_URL comes from the user's Secret. (Embedded PGlite
  // is what the other end-to-end suites run; bundled and cnpg need Pods, so they are rendered and dry-run only.)
  postgres = await startPostgres();
  await kubectl(['-n', ns, 'create', 'secret', 'generic', 'registry-db', `--from-literal=DATABASE_URL=${await postgres.createDatabase('chart')}`]);
  // The operator watches only the apps namespace (Roles there), so it never touches other suites' resources.
  // The registry reaches the API server where this control plane listens (in a cluster: kubernetes.default.svc).
  values = {
    'operator.watchNamespaces': [apps], 'registry.persistence.size': '1Gi', 'database.mode': 'external', 'database.external.existingSecret': 'registry-db',
    'workloadIdentity.apiServer': cluster.server,
  };
});
after(async () => {
  await operator?.stop();
  await registry?.stop();
  await proxy?.close();
  await postgres?.stop();
  await cluster?.kubectl(['delete', 'namespace', ns, apps, '--wait=false']);
  await work?.remove();
  await cluster?.release();
});

describe('chart: install, the user flow, upgrade, uninstall', { concurrency: false }, () => {
  test('helm install creates every object of the release', async () => {
    await adoptCrd();
    const r = await helm(['install', RELEASE, CHART_DIR, '--namespace', ns, ...setFlags(values)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /GOPROXY=https:\/\/gr-go-registry\.[^ ]+\.svc\/api\/packages\/acme\/go/, 'NOTES print the GOPROXY line');
    assert.match(r.stdout, /curl --user publisher:\$TOKEN --upload-file hello\.zip/, 'NOTES print the upload line');
    assert.match(r.stdout, /kubectl -n ci get secret acme-publisher -o jsonpath='\{\.data\.token\}' \| base64 -d/, 'NOTES say how to read a token Secret');
    const objects = await installedManifest();
    assert.ok(objects.length >= 12, `only ${objects.length} objects`);
    // The CA, the certificate and passwords are made at run time, never rendered.
    assert.deepEqual(objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name), []);
    for (const o of objects) {
      const namespaced = o.metadata.namespace ? ['-n', o.metadata.namespace] : [];
      const got = await cluster.kubectl([...namespaced, 'get', `${o.kind}.${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}`.replace(/\.$/, ''), o.metadata.name]);
      assert.equal(got.code, 0, `${o.kind}/${o.metadata.name} missing: ${got.stderr}`);
    }
    await kubectl(['wait', '--for=condition=Established', '--timeout=60s', CRD]);
  });

  test('the user flow: owners from examples/gitops, a token Secret, curl upload, go mod download of a private module over HTTPS', async () => {
    await startWorkloads(await installedManifest());
    await kubectl(['-n', apps, 'apply', '-f', path.join(REPO_ROOT, 'examples', 'gitops', 'owners')]);
    for (const name of ['payments', 'platform']) {
      await eventually(`${name} Ready`, async () => {
        const g = await getJson<{ status?: { conditions?: { type: string; status: string }[] } }>(['-n', apps, 'get', 'gpo', name]);
        return g.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      });
    }
    const publisher = await secretValues(apps, 'payments-publisher');
    const builds = await secretValues(apps, 'payments-builds');
    const service = `${RELEASE}-go-registry.${ns}.svc`;
    assert.equal(publisher.GOPROXY, `https://${service}/api/packages/payments/go`);
    assert.equal(publisher['.netrc'], `machine ${service} login publisher password ${publisher.token}\n`);
    assert.match(publisher['ca.crt']!, /BEGIN CERTIFICATE/);
    // The same CA for Pods without a Secret: a ConfigMap in the owners' namespace, as kube-root-ca.crt.
    const caMap = await getJson<{ data: Record<string, string> }>(['-n', apps, 'get', 'configmap', `${RELEASE}-go-registry-ca`]);
    assert.equal(caMap.data['ca.crt'], publisher['ca.crt']);
    // Each Secret as a Pod would mount it: a folder with a file per key.
    const mount = async (name: string, values: Record<string, string>) => {
      const dir = path.join(work.dir, 'secrets', name);
      await mkdir(dir, { recursive: true });
      for (const [key, value] of Object.entries(values)) await writeFile(path.join(dir, key), value, { mode: 0o600 });
      return dir;
    };
    const [publisherDir, buildsDir] = [await mount('payments-publisher', publisher), await mount('payments-builds', builds)];

    // Publish with the publisher token, as the seeds do (curl --user name:token --upload-file), over HTTPS.
    const zip = await makeModuleZip(work.dir, 'example.com/payments/ledger', 'v1.0.0', {
      'go.mod': 'module example.com/payments/ledger\n\ngo 1.21\n',
      'ledger.go': 'package ledger\n\n// Balance is the sum of entries.\nfunc Balance(entries ...int) int {\n\tt := 0\n\tfor _, e := range entries {\n\t\tt += e\n\t}\n\treturn t\n}\n',
    });
    const upload = await curl(['--proxy', proxy.url, '--cacert', path.join(publisherDir, 'ca.crt'), '--user', `publisher:${publisher.token}`, '--upload-file', zip, `${publisher.GOPROXY}/upload`]);
    assert.equal(upload.status, 201, upload.body);
    assert.ok(proxy.requested.includes(`${service}:443`), 'traffic went to the Service name');

    // Read with the read-only token's Secret, as a Pod mounting it would.
    const go = await goClient(path.join(work.dir, 'go'), builds.GOPROXY!);
    // The Secret's GOSUMDB is the registry's own checksum database: go verifies the private module too.
    const podEnv = { GOPROXY: builds.GOPROXY!, GOSUMDB: builds.GOSUMDB!, GONOSUMDB: '', NETRC: path.join(buildsDir, '.netrc'), SSL_CERT_FILE: path.join(buildsDir, 'ca.crt'), HTTPS_PROXY: proxy.url };
    const { stdout } = await go.go(['mod', 'download', '-json', 'example.com/payments/ledger@v1.0.0'], { env: podEnv });
    const downloaded = JSON.parse(stdout) as { Dir: string; Error?: string };
    assert.equal(downloaded.Error, undefined);
    assert.match(await readFile(path.join(downloaded.Dir, 'ledger.go'), 'utf8'), /func Balance/);

    // Private: without the Secret's .netrc the same download fails, and says nothing of the module.
    const anonymous = await goClient(path.join(work.dir, 'go-anon'), builds.GOPROXY!);
    await assert.rejects(anonymous.go(['mod', 'download', 'example.com/payments/ledger@v1.0.0'], { env: { ...podEnv, NETRC: path.join(work.dir, 'no-netrc') } }), /404|401|not found/i);
  });

  test('a permission removed from the chart\'s RBAC breaks reconcile; putting it back heals it', async () => {
    const roleName = `${RELEASE}-go-registry-operator`;
    const role = await getJson<{ rules: { resources: string[]; verbs: string[] }[]; metadata: Record<string, unknown> }>(['-n', apps, 'get', 'role', roleName]);
    const without = structuredClone(role);
    for (const rule of without.rules) if (rule.resources.includes('secrets')) rule.verbs = rule.verbs.filter((v) => v !== 'create');
    await kubectl(['-n', apps, 'replace', '-f', '-'], JSON.stringify(without));
    await kubectl(['-n', apps, 'apply', '-f', '-'], 'apiVersion: goregistry.dev/v1alpha1\nkind: GoPackageOwner\nmetadata:\n  name: rbac-probe\nspec:\n  visibility: public\n  tokens:\n    - {name: ci, scopes: [read]}\n');
    await eventually('a forbidden Secret create in the operator log', async () => operator!.logs.some((l) => l.includes('rbac-probe') && /forbidden/i.test(l)));
    assert.equal((await cluster.kubectl(['-n', apps, 'get', 'secret', 'rbac-probe-ci'])).code, 1, 'the Secret was written without the permission');
    const status = await getJson<{ status?: { conditions?: { type: string; status: string }[] } }>(['-n', apps, 'get', 'gpo', 'rbac-probe']);
    assert.ok(!status.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'), 'reported Ready without its Secret');

    // The chart's own Role, as `helm upgrade` would restore it.
    const rendered = findObject((await installedManifest()).filter((o) => o.metadata.namespace === apps), 'Role', roleName);
    await kubectl(['-n', apps, 'apply', '--server-side', '--force-conflicts', '-f', '-'], JSON.stringify(rendered));
    await eventually('the Secret after the permission came back', async () => (await cluster.kubectl(['-n', apps, 'get', 'secret', 'rbac-probe-ci'])).code === 0, 90_000);
  });

  test('the operator runs with no admin token at all: its projected ServiceAccount token is the admin', async () => {
    const started = operator!.logs.map((l) => JSON.parse(l) as { msg?: string; credential?: string }).find((l) => l.msg === 'operator started');
    assert.equal(started?.credential, 'service-account-token');
    assert.equal((await cluster.kubectl(['-n', ns, 'get', 'secret', `${RELEASE}-go-registry-admin-token`])).code, 1, 'no admin token Secret');
    const env = (await installedManifest()).flatMap((o) => (o.kind === 'Deployment' ? (o.spec as { template: { spec: { containers: { env?: { name: string }[] }[] } } }).template.spec.containers[0]!.env ?? [] : []));
    assert.ok(!env.some((e) => /ADMIN_TOKEN/.test(e.name)), 'neither workload reads an admin token');
    assert.ok(registry!.logs.some((l) => l.includes('"credential":"kubernetes"') && l.includes('/api/admin/')), 'the admin API was called with a ServiceAccount token');
  });

  test('a ServiceAccount that spec.access names reads with its own token; one it does not name sees nothing', async () => {
    await kubectl(['-n', apps, 'create', 'serviceaccount', 'ledger-reader']);
    await kubectl(['-n', apps, 'patch', 'gpo', 'payments', '--type=merge', '-p', JSON.stringify({ spec: { access: [{ name: 'ledger-reader', scopes: ['read'], serviceAccount: { name: 'ledger-reader' } }] } })]);
    const builds = await secretValues(apps, 'payments-builds');
    const caFile = path.join(work.dir, 'secrets', 'payments-builds', 'ca.crt');
    const list = async (auth: string[]) => (await curl(['--proxy', proxy.url, '--cacert', caFile, ...auth, `${builds.GOPROXY}/example.com/payments/ledger/@v/list`])).status;
    const read = async (sa: string) => list(['-H', `Authorization: Bearer ${(await kubectl(['-n', apps, 'create', 'token', sa, '--audience=go-registry'])).trim()}`]);
    await eventually('the grant in place', async () => (await read('ledger-reader')) === 200);
    // The claimed path's miss (403), exactly as without any credential.
    assert.equal(await read('default'), await list([]));
  });

  test('helm upgrade keeps the CA and the PVC', async () => {
    const tls = await secretValues(ns, `${RELEASE}-go-registry-tls`);
    const pvc = await getJson<{ metadata: { uid: string } }>(['-n', ns, 'get', 'pvc', `${RELEASE}-go-registry-data`]);
    const r = await helm(['upgrade', RELEASE, CHART_DIR, '--namespace', ns, ...setFlags({ ...values, 'registry.logLevel': 'debug' })]);
    assert.equal(r.code, 0, r.stderr);
    const deployment = await getJson<{ spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } }>(['-n', ns, 'get', 'deployment', `${RELEASE}-go-registry`]);
    assert.equal(deployment.spec.template.spec.containers[0]!.env.find((e) => e.name === 'LOG_LEVEL')?.value, 'debug', 'the upgrade applied');
    assert.deepEqual(await secretValues(ns, `${RELEASE}-go-registry-tls`), tls);
    assert.equal((await getJson<{ metadata: { uid: string } }>(['-n', ns, 'get', 'pvc', `${RELEASE}-go-registry-data`])).metadata.uid, pvc.metadata.uid);
  });

  test('helm uninstall leaves the CRD, the owner resources, the volume and the generated Secrets', async () => {
    await operator?.stop(); // as when its Deployment goes away
    const r = await helm(['uninstall', RELEASE, '--namespace', ns, '--wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await cluster.kubectl(['-n', ns, 'get', 'deployment', `${RELEASE}-go-registry`])).code, 1, 'the registry Deployment is gone');
    await kubectl(['get', CRD]);
    const owners = await getJson<{ items: { metadata: { name: string } }[] }>(['-n', apps, 'get', 'gpo']);
    assert.deepEqual(owners.items.map((o) => o.metadata.name).sort(), ['payments', 'platform', 'rbac-probe']);
    await kubectl(['-n', ns, 'get', 'pvc', `${RELEASE}-go-registry-data`]);
    await kubectl(['-n', ns, 'get', 'secret', `${RELEASE}-go-registry-tls`]);
  });

  test('installing again adopts what uninstall kept: the same CA and volume', async () => {
    const tls = await secretValues(ns, `${RELEASE}-go-registry-tls`);
    const pvc = await getJson<{ metadata: { uid: string } }>(['-n', ns, 'get', 'pvc', `${RELEASE}-go-registry-data`]);
    const r = await helm(['install', RELEASE, CHART_DIR, '--namespace', ns, ...setFlags(values)]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await secretValues(ns, `${RELEASE}-go-registry-tls`), tls);
    assert.equal((await getJson<{ metadata: { uid: string } }>(['-n', ns, 'get', 'pvc', `${RELEASE}-go-registry-data`])).metadata.uid, pvc.metadata.uid);
    assert.equal((await helm(['uninstall', RELEASE, '--namespace', ns, '--wait'])).code, 0);
    // The finalizer stays on the owners until an operator runs again; clear it so the namespace can go.
    for (const name of ['payments', 'platform', 'rbac-probe']) {
      await kubectl(['-n', apps, 'patch', 'gpo', name, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    }
  });

  test('cluster-wide RBAC (no watchNamespaces) grants the operator what reconcile needs everywhere, and nothing more', async () => {
    const release = 'gr-wide';
    const r = await helm(['install', release, CHART_DIR, '--namespace', ns, ...setFlags({ 'crds.install': false, 'adminToken.existingSecret': 'unused', 'tls.existingSecret': 'unused' })]);
    assert.equal(r.code, 0, r.stderr);
    try {
      const as = `system:serviceaccount:${ns}:${release}-go-registry-operator`;
      const can = async (verb: string, resource: string, namespace?: string) => {
        const out = await cluster.kubectl(['auth', 'can-i', verb, resource, '--as', as, ...(namespace ? ['-n', namespace] : ['--all-namespaces'])]);
        return out.stdout.trim() === 'yes';
      };
      for (const [verb, resource] of [['list', 'gopackageowners.goregistry.dev'], ['watch', 'gopackageowners.goregistry.dev'], ['update', 'gopackageowners.goregistry.dev'],
        ['update', 'gopackageowners.goregistry.dev/status'], ['update', 'gopackageowners.goregistry.dev/finalizers'], ['list', 'secrets'], ['watch', 'secrets'],
        ['create', 'secrets'], ['delete', 'secrets'], ['create', 'events'], ['get', 'configmaps'], ['create', 'configmaps'], ['update', 'configmaps']]) {
        assert.ok(await can(verb!, resource!), `cannot ${verb} ${resource} in every namespace`);
      }
      assert.ok(await can('update', 'leases.coordination.k8s.io', ns), 'cannot renew its Lease');
      for (const [verb, resource, namespace] of [['create', 'gopackageowners.goregistry.dev'], ['delete', 'gopackageowners.goregistry.dev'], ['delete', 'configmaps'], ['get', 'pods'],
        ['create', 'pods'], ['update', 'leases.coordination.k8s.io', apps], ['create', 'clusterroles.rbac.authorization.k8s.io'], ['escalate', 'roles.rbac.authorization.k8s.io']]) {
        assert.ok(!(await can(verb!, resource!, namespace)), `may ${verb} ${resource}${namespace ? ` in ${namespace}` : ''}: more than it needs`);
      }
    } finally {
      assert.equal((await helm(['uninstall', release, '--namespace', ns, '--wait'])).code, 0);
    }
  });
});
