/**
 * The chart with database.mode=cnpg next to CloudNativePG's real operator (built from its Go
 * module, run under its own RBAC with its admission webhooks: cloudnative-pg.ts), into the real
 * control plane: the webhooks default and admit the chart's Cluster (and refuse what CloudNativePG
 * cannot run), and the operator's reconcile makes the app user's Secret and the read-write Service
 * that the registry's Deployment points at.
 *
 * CloudNativePG's instance Pods cannot run here (no nodes, no container runtime), so PostgreSQL 15
 * stands in for its primary: bootstrapped as the Cluster's initdb asks (the database and owner from
 * the installed Cluster, the password from the operator's Secret; passwords checked with SCRAM),
 * with the Service's name routed to it, as a Pod network would. Two registry replicas on a real
 * S3-compatible bucket then run migrations and serve as CloudNativePG's app user.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { curl } from '../support/curl.js';
import { eventually } from '../support/eventually.js';
import { makeModuleZip } from '../support/module-zips.js';
import { tempDir } from '../support/paths.js';
import { startPostgres, type PostgresCluster } from '../support/postgres-cluster.js';
import { startVersitygw, type Versitygw } from '../support/versitygw.js';
import { CHART_DIR, findObject, helmRunner, parseManifests, setFlags } from './chart.js';
import { startCloudNativePg, type CloudNativePg } from './cloudnative-pg.js';
import { sharedCluster, type SharedCluster } from './cluster.js';
import { kubectlOk } from './kubectl.js';
import { materializePod } from './local-pod.js';
import { createS3ReleaseSecrets, LocalReplicas } from './s3-release.js';

const RELEASE = 'pg';
const DATABASE = `${RELEASE}-go-registry-db`;
const SUMDB = 'sum.cnpg.test';
const ADMIN = 'chart-cnpg-admin-token-0123456789abc';
let cluster: SharedCluster;
let helm: ReturnType<typeof helmRunner>;
let ns: string;
let work: { dir: string; remove: () => Promise<void> };
let gw: Versitygw;
let postgres: PostgresCluster;
let cnpg: CloudNativePg;
let values: Record<string, unknown>;
let caFile: string;
let replicas: LocalReplicas;

const service = () => `${RELEASE}-go-registry.${ns}.svc`;
const kubectl = (args: string[], input?: string) => kubectlOk(cluster)(args, input);
const getJson = async <T>(kind: string, name: string) => JSON.parse(await kubectl(['-n', ns, 'get', kind, name, '-o', 'json'])) as T;
const secretData = async (name: string) =>
  Object.fromEntries(Object.entries((await getJson<{ data: Record<string, string> }>('secret', name)).data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
/** controller-runtime's count of admission requests the operator answered at `webhook` with `code`. */
const webhookRequests = async (webhook: string, code = 200) => {
  const line = (await cnpg.metrics()).split('\n').find((l) => l.startsWith('controller_runtime_webhook_requests_total{') && l.includes(`code="${code}"`) && l.includes(`webhook="${webhook}"`));
  return line ? Number(line.split(' ').at(-1)) : 0;
};
const manifest = async () => {
  const r = await helm(['get', 'manifest', RELEASE, '--namespace', ns]);
  assert.equal(r.code, 0, r.stderr);
  return parseManifests(r.stdout);
};

before(async () => {
  cluster = await sharedCluster();
  work = await tempDir('chart-cnpg');
  helm = helmRunner(cluster, path.join(work.dir, 'helm'));
  ns = await cluster.namespace('chart-cnpg');
  replicas = new LocalReplicas(cluster, ns, work.dir, `${RELEASE}-go-registry`, service());
  [gw, postgres, cnpg] = await Promise.all([startVersitygw(), startPostgres({ passwords: true }), startCloudNativePg(cluster, ns, work.dir)]);
  // What a user makes before installing. No database Secret: CloudNativePG makes it.
  const release = await createS3ReleaseSecrets(cluster, gw, await gw.createBucket(), { namespace: ns, dir: work.dir, service: service(), sumdbName: SUMDB, adminToken: ADMIN });
  caFile = release.caFile;
  values = { ...release.values, 'database.mode': 'cnpg', 'database.cnpg.storage.size': '1Gi' };
});
after(async () => {
  await replicas?.stopAll();
  await helm?.(['uninstall', RELEASE, '--namespace', ns]).catch(() => {});
  await cnpg?.stop();
  await gw?.stop();
  await postgres?.stop();
  await cluster?.kubectl(['delete', 'namespace', ns, '--wait=false']);
  await work?.remove();
  await cluster?.release();
});

describe('chart: CloudNativePG as the database of two replicas', { concurrency: false }, () => {
  test("CloudNativePG's webhook refuses a Cluster it cannot run: an image tag it cannot upgrade from", async () => {
    const rendered = await helm(['template', RELEASE, CHART_DIR, '--namespace', ns, '--api-versions', 'postgresql.cnpg.io/v1/Cluster',
      ...setFlags({ ...values, 'database.cnpg.imageName': 'ghcr.io/cloudnative-pg/postgresql:latest' })]);
    assert.equal(rendered.code, 0, rendered.stderr);
    const before = await webhookRequests('/validate-postgresql-cnpg-io-v1-cluster');
    const r = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], JSON.stringify(findObject(parseManifests(rendered.stdout), 'Cluster')));
    assert.notEqual(r.code, 0, 'admitted');
    assert.match(r.stderr, /spec\.imageName: Invalid value: "ghcr\.io\/cloudnative-pg\/postgresql:latest": Can't use 'latest' as image tag/);
    assert.equal(await webhookRequests('/validate-postgresql-cnpg-io-v1-cluster'), before + 1, "the refusal is the operator's webhook answer");
  });

  test('helm install: the webhooks default and admit the Cluster; the operator makes its Secret and Services', async () => {
    const admitted = await webhookRequests('/validate-postgresql-cnpg-io-v1-cluster');
    const r = await helm(['install', RELEASE, CHART_DIR, '--namespace', ns, ...setFlags(values)]);
    assert.equal(r.code, 0, r.stderr);
    const rendered = findObject(await manifest(), 'Cluster', DATABASE).spec as { imageName?: string };
    assert.equal(rendered.imageName, undefined, 'the chart leaves the image to the operator');
    const installed = await getJson<{ spec: { imageName: string } }>('cluster', DATABASE);
    assert.match(installed.spec.imageName, /^ghcr\.io\/cloudnative-pg\/postgresql:\d+/, 'defaulted by the mutating webhook');
    assert.ok(await webhookRequests('/mutate-postgresql-cnpg-io-v1-cluster') >= 1);
    assert.ok(await webhookRequests('/validate-postgresql-cnpg-io-v1-cluster') > admitted);

    const app = await eventually(`Secret ${DATABASE}-app`, () => secretData(`${DATABASE}-app`), { context: () => cnpg.logs.slice(-5).join('\n') });
    assert.equal(new URL(app.uri!).hostname, `${DATABASE}-rw.${ns}`);
    await getJson('service', `${DATABASE}-rw`);
    // The reconcile went on to bootstrap the primary: its initdb Job (whose Pod never runs here).
    await eventually(`Job ${DATABASE}-1-initdb`, () => getJson('job', `${DATABASE}-1-initdb`));
    const pod = await materializePod(cluster, findObject(await manifest(), 'Deployment', `${RELEASE}-go-registry`), { namespace: ns, podName: 'probe', dir: path.join(work.dir, 'probe') });
    assert.equal(pod.env.DATABASE_URL, app.uri, "the registry's DATABASE_URL is the operator's Secret");
  });

  test("two replicas run migrations and serve as CloudNativePG's app user (PostgreSQL 15 standing in for the primary)", async () => {
    const { spec } = await getJson<{ spec: { bootstrap: { initdb: { database: string; owner: string } } } }>('cluster', DATABASE);
    const { database, owner } = spec.bootstrap.initdb;
    const app = await secretData(`${DATABASE}-app`);
    assert.deepEqual([app.username, app.dbname], [owner, database]);
    const su = new pg.Client(postgres.url);
    await su.connect();
    try {
      await su.query(`CREATE ROLE "${owner}" LOGIN PASSWORD '${app.password!.replace(/'/g, "''")}'`);
      await su.query(`CREATE DATABASE "${database}" OWNER "${owner}"`);
    } finally {
      await su.end();
    }
    // The Service's name resolves to the stand-in, as the Pod network would route it; user, password and database are the Secret's.
    const routed = new URL(app.uri!);
    routed.hostname = '127.0.0.1';
    routed.port = String(postgres.port);
    const objects = await manifest();
    const [a, b] = [
      (await replicas.start('registry-a', objects, { DATABASE_URL: routed.href })).proxy,
      (await replicas.start('registry-b', objects, { DATABASE_URL: routed.href })).proxy,
    ];
    const base = `https://${service()}`;
    const created = await curl(['--proxy', a.url, '--cacert', caFile, '-X', 'PUT', '-H', `Authorization: Bearer ${ADMIN}`, '-H', 'Content-Type: application/json', '--data', '{"visibility":"public"}', `${base}/api/admin/owners/data`]);
    assert.equal(created.status, 201, created.body);
    const zip = await makeModuleZip(work.dir, 'example.com/data/ledger', 'v1.0.0', {
      'go.mod': 'module example.com/data/ledger\n\ngo 1.21\n',
      'ledger.go': 'package ledger\n',
    });
    const up = await curl(['--proxy', a.url, '--cacert', caFile, '--user', `ci:${ADMIN}`, '--upload-file', zip, `${base}/api/packages/data/go/upload`]);
    assert.equal(up.status, 201, up.body);
    const list = await curl(['--proxy', b.url, '--cacert', caFile, `${base}/api/packages/data/go/example.com/data/ledger/@v/list`]);
    assert.deepEqual([list.status, list.body], [200, 'v1.0.0\n']);

    const check = new pg.Client(postgres.url.replace(/\/postgres$/, `/${database}`));
    await check.connect();
    try {
      const { rows } = await check.query<{ owner: string }>("SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname = 'public'");
      assert.deepEqual(rows.map((r) => r.owner), [owner], "the schema was made by the migrations, as CloudNativePG's app user");
    } finally {
      await check.end();
    }
  });
});
