/**
 * The chart installed with two registry replicas on an S3-compatible bucket (versitygw, a
 * real server built from source) and one PostgreSQL, into the real control plane. Pods
 * never run here (no nodes): each replica runs as a local process started from the
 * installed Deployment (local-pod.ts) with the env and Secrets the kubelet would give it.
 * An upload through one replica is downloaded by the real go command through the other and
 * verified against the registry's checksum database, which both sign with the Secret's key;
 * a rolling upgrade replaces one replica at a time while the other serves.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { curl } from '../support/curl.js';
import { goClient } from '../support/go-client.js';
import { makeModuleZip } from '../support/module-zips.js';
import { tempDir } from '../support/paths.js';
import { startPostgres, type PostgresCluster } from '../support/postgres-cluster.js';
import type { ServiceProxy } from '../support/service-proxy.js';
import { startVersitygw, type Versitygw } from '../support/versitygw.js';
import { CHART_DIR, findObject, helmRunner, parseManifests, setFlags } from './chart.js';
import { sharedCluster, type SharedCluster } from './cluster.js';
import { kubectlOk } from './kubectl.js';
import { createS3ReleaseSecrets, LocalReplicas } from './s3-release.js';

const RELEASE = 'scale';
const SUMDB = 'sum.scale.test';
const ADMIN = 'chart-replicas-admin-token-0123456789';
let cluster: SharedCluster;
let helm: ReturnType<typeof helmRunner>;
let ns: string;
let work: { dir: string; remove: () => Promise<void> };
let gw: Versitygw;
let postgres: PostgresCluster;
let values: Record<string, unknown>;
let caFile: string;
let replicas: LocalReplicas;

const service = () => `${RELEASE}-go-registry.${ns}.svc`;
const kubectl = (args: string[], input?: string) => kubectlOk(cluster)(args, input);
const manifest = async () => {
  const r = await helm(['get', 'manifest', RELEASE, '--namespace', ns]);
  assert.equal(r.code, 0, r.stderr);
  return parseManifests(r.stdout);
};

before(async () => {
  cluster = await sharedCluster();
  work = await tempDir('chart-replicas');
  helm = helmRunner(cluster, path.join(work.dir, 'helm'));
  ns = await cluster.namespace('chart-replicas');
  replicas = new LocalReplicas(cluster, ns, work.dir, `${RELEASE}-go-registry`, service());
  [gw, postgres] = await Promise.all([startVersitygw(), startPostgres()]);
  // The Secrets a user makes before installing: database URL, bucket keys, the shared signing key, TLS, admin token.
  await kubectl(['-n', ns, 'create', 'secret', 'generic', 'registry-db', `--from-literal=DATABASE_URL=${await postgres.createDatabase('replicas')}`]);
  const release = await createS3ReleaseSecrets(cluster, gw, await gw.createBucket(), { namespace: ns, dir: work.dir, service: service(), sumdbName: SUMDB, adminToken: ADMIN });
  caFile = release.caFile;
  values = { ...release.values, 'storage.s3.prefix': 'modules/', 'database.mode': 'external', 'database.external.existingSecret': 'registry-db' };
});
after(async () => {
  await replicas?.stopAll();
  await helm?.(['uninstall', RELEASE, '--namespace', ns]).catch(() => {});
  await gw?.stop();
  await postgres?.stop();
  await cluster?.kubectl(['delete', 'namespace', ns, '--wait=false']);
  await work?.remove();
  await cluster?.release();
});

describe('chart: two replicas on S3 and one PostgreSQL', { concurrency: false }, () => {
  test('helm install: two replicas, a rolling update, a disruption budget, no volume claim', async () => {
    const r = await helm(['install', RELEASE, CHART_DIR, '--namespace', ns, ...setFlags(values)]);
    assert.equal(r.code, 0, r.stderr);
    const objects = await manifest();
    const d = findObject(objects, 'Deployment', `${RELEASE}-go-registry`).spec as { replicas: number; strategy: { type: string } };
    assert.deepEqual([d.replicas, d.strategy.type], [2, 'RollingUpdate']);
    assert.ok(objects.some((o) => o.kind === 'PodDisruptionBudget'));
    assert.ok(!objects.some((o) => o.kind === 'PersistentVolumeClaim'), 'nothing is kept on a volume');
    const installed = JSON.parse(await kubectl(['-n', ns, 'get', 'deployment', `${RELEASE}-go-registry`, '-o', 'json'])) as { spec: { replicas: number } };
    assert.equal(installed.spec.replicas, 2);
  });

  test('upload through one replica, go mod download through the other, verified by the checksum database both sign', async () => {
    const objects = await manifest();
    const [first, second] = [(await replicas.start('registry-a', objects)).proxy, (await replicas.start('registry-b', objects)).proxy];
    for (const p of replicas.running.values()) assert.ok(p.process.logs.some((l) => l.includes('"blobStore":"s3"')), 'on the bucket');
    const base = `https://${service()}`;
    const owner = await curl(['--proxy', first.url, '--cacert', caFile, '-X', 'PUT', '-H', `Authorization: Bearer ${ADMIN}`, '-H', 'Content-Type: application/json', '--data', '{"visibility":"public"}', `${base}/api/admin/owners/team`]);
    assert.equal(owner.status, 201, owner.body);
    const zip = await makeModuleZip(work.dir, 'example.com/team/scaled', 'v1.0.0', {
      'go.mod': 'module example.com/team/scaled\n\ngo 1.21\n',
      'scaled.go': 'package scaled\n\n// Replicas is how many served this.\nconst Replicas = 2\n',
    });
    const up = await curl(['--proxy', first.url, '--cacert', caFile, '--user', `ci:${ADMIN}`, '--upload-file', zip, `${base}/api/packages/team/go/upload`]);
    assert.equal(up.status, 201, up.body);
    assert.ok(first.requested.length > 0 && second.requested.length === 0, 'the upload went to the first replica only');

    const vkey = (await curl(['--proxy', second.url, '--cacert', caFile, `${base}/api/sumdb/key`])).body.trim();
    assert.match(vkey, new RegExp(`^${SUMDB.replace(/\./g, '\\.')}\\+[0-9a-f]{8}\\+`));
    const go = await goClient(path.join(work.dir, 'go'), `${base}/api/packages/team/go`);
    const env = { HTTPS_PROXY: second.url, SSL_CERT_FILE: caFile, GOSUMDB: `${vkey} ${base}/sumdb/${SUMDB}`, GONOSUMDB: '' };
    const got = JSON.parse((await go.go(['mod', 'download', '-json', 'example.com/team/scaled@v1.0.0'], { env })).stdout) as { Dir: string; Sum: string };
    assert.equal(got.Sum, (JSON.parse(up.body) as { zipHash: string }).zipHash);
    assert.match(await readFile(path.join(got.Dir, 'scaled.go'), 'utf8'), /const Replicas = 2/);
    assert.ok(second.requested.includes(`${service()}:443`), 'go read through the second replica');
  });

  test('a rolling upgrade: each replica replaced while the other serves; every download works throughout', async () => {
    const r = await helm(['upgrade', RELEASE, CHART_DIR, '--namespace', ns, ...setFlags({ ...values, 'registry.logLevel': 'debug' })]);
    assert.equal(r.code, 0, r.stderr);
    const upgraded = await manifest();
    const info = (proxy: ServiceProxy) =>
      curl(['--proxy', proxy.url, '--cacert', caFile, `https://${service()}/api/packages/team/go/example.com/team/scaled/@v/v1.0.0.info`]);
    for (const [old, next] of [['registry-a', 'registry-c'], ['registry-b', 'registry-d']] as const) {
      // maxSurge 1, maxUnavailable 0: the new Pod is ready before the old one goes.
      const { proxy } = await replicas.start(next, upgraded);
      assert.equal((await info(proxy)).status, 200);
      await replicas.stop(old);
      for (const p of replicas.running.values()) assert.equal((await info(p.proxy)).status, 200);
    }
    assert.deepEqual([...replicas.running.keys()], ['registry-c', 'registry-d']);
    for (const p of replicas.running.values()) assert.equal(p.env.LOG_LEVEL, 'debug', 'the new replicas run the upgraded values');
  });
});
