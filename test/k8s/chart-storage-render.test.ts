/**
 * The chart's storage and scale-out values, every combination: where the blobs live
 * (a ReadWriteOnce or ReadWriteMany claim, or an S3 bucket), how many registry Pods
 * (one, three, an autoscaler) and which database. Each either renders — and the real API
 * server accepts it (server-side dry run) — with the strategy, disruption budget,
 * autoscaler, volume and environment it implies, or is refused at render with a message
 * naming the values to change. The expected outcome is worked out here, from the rules
 * as the README states them, not read back from the chart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../support/paths.js';
import { CHART_DIR, findObject, helmRunner, installThirdPartyCrds, parseManifests, setFlags, THIRD_PARTY_APIS, type K8sObject } from './chart.js';
import { sharedCluster, type SharedCluster } from './cluster.js';
import { installCrd } from './crd-install.js';

let cluster: SharedCluster;
let helm: ReturnType<typeof helmRunner>;
let ns: string;
let home: { dir: string; remove: () => Promise<void> };
const apiFlags = THIRD_PARTY_APIS.flatMap((a) => ['--api-versions', a]);
const GITOPS = { 'adminToken.existingSecret': 'registry-admin', 'tls.existingSecret': 'registry-tls' };

type Storage = 'pvc-rwo' | 'pvc-rwx' | 's3';
type Count = 'one' | 'three' | 'autoscaled';
type Database = 'embedded' | 'external' | 'cnpg';

const storageValues: Record<Storage, Record<string, unknown>> = {
  'pvc-rwo': {},
  'pvc-rwx': { 'registry.persistence.accessModes': ['ReadWriteMany'] },
  s3: {
    'storage.type': 's3', 'storage.s3.bucket': 'go-modules', 'storage.s3.endpoint': 'https://s3.storage.svc:9000',
    'storage.s3.forcePathStyle': true, 'storage.s3.credentialsSecret': 'bucket-keys', 'sumdb.existingSecret': 'sumdb-key',
  },
};
const countValues: Record<Count, Record<string, unknown>> = {
  one: {},
  three: { 'registry.replicas': 3 },
  autoscaled: { 'registry.autoscaling.enabled': true, 'registry.autoscaling.minReplicas': 2, 'registry.autoscaling.maxReplicas': 8 },
};
const databaseValues: Record<Database, Record<string, unknown>> = {
  embedded: {},
  external: { 'database.mode': 'external', 'database.external.existingSecret': 'pg-url' },
  cnpg: { 'database.mode': 'cnpg', 'database.cnpg.instances': 3 },
};

/** What the README promises for a combination: the refusal's message, or undefined (it renders). */
function refusal(storage: Storage, count: Count, database: Database): RegExp | undefined {
  if (count === 'one') return undefined;
  const many = count === 'autoscaled' ? 'registry.autoscaling' : 'registry.replicas > 1';
  if (database === 'embedded') return new RegExp(`${many} needs a shared database: set database.mode to bundled, external or cnpg`);
  if (storage === 'pvc-rwo') return new RegExp(`${many} needs blob storage every Pod reaches: storage.type=s3, or ReadWriteMany`);
  return undefined;
}

const render = async (values: Record<string, unknown>) => {
  const r = await helm(['template', 'gr', CHART_DIR, '--namespace', ns, ...apiFlags, ...setFlags({ ...GITOPS, ...values })]);
  return { ...r, objects: r.code === 0 ? parseManifests(r.stdout) : [] };
};

interface Deployment {
  replicas?: number;
  strategy: { type: string; rollingUpdate?: { maxSurge: number; maxUnavailable: number } };
  template: { spec: { serviceAccountName?: string; volumes: { name: string; emptyDir?: object; persistentVolumeClaim?: { claimName: string } }[]; containers: { env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] }[] } };
}
const registryOf = (objects: K8sObject[]) => findObject(objects, 'Deployment', 'gr-go-registry').spec as unknown as Deployment;
const envOf = (d: Deployment) => new Map(d.template.spec.containers[0]!.env.map((e) => [e.name, e]));

before(async () => {
  cluster = await sharedCluster();
  home = await tempDir('helm-storage');
  helm = helmRunner(cluster, home.dir);
  ns = await cluster.namespace('chart-storage');
  await installThirdPartyCrds(cluster);
  await installCrd(cluster);
});
after(async () => {
  await cluster?.kubectl(['delete', 'namespace', ns, '--wait=false']);
  await home?.remove();
  await cluster?.release();
});

describe('chart: storage × replicas × database', () => {
  for (const storage of Object.keys(storageValues) as Storage[]) {
    for (const count of Object.keys(countValues) as Count[]) {
      for (const database of Object.keys(databaseValues) as Database[]) {
        test(`${storage}, ${count}, ${database}`, async () => {
          const r = await render({ ...storageValues[storage], ...countValues[count], ...databaseValues[database] });
          const refused = refusal(storage, count, database);
          if (refused) {
            assert.notEqual(r.code, 0, 'rendered a combination that cannot work');
            assert.match(r.stderr, refused);
            return;
          }
          assert.equal(r.code, 0, r.stderr);
          const d = registryOf(r.objects);
          const many = count !== 'one';
          // A ReadWriteOnce claim mounted by the Pod forbids two Pods at once: Recreate. Else a rolling update
          // that keeps each old Pod until its successor is ready.
          const mountsRwo = storage === 'pvc-rwo' || (storage === 's3' && database === 'embedded');
          assert.equal(d.strategy.type, mountsRwo ? 'Recreate' : 'RollingUpdate');
          if (!mountsRwo) assert.deepEqual(d.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: 0 });
          assert.equal(d.replicas, count === 'autoscaled' ? undefined : count === 'three' ? 3 : 1, 'an autoscaler owns the count');
          const hpa = r.objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
          assert.equal(hpa.length, count === 'autoscaled' ? 1 : 0);
          if (count === 'autoscaled') {
            const spec = hpa[0]!.spec as { minReplicas: number; maxReplicas: number; scaleTargetRef: { name: string } };
            assert.deepEqual([spec.minReplicas, spec.maxReplicas, spec.scaleTargetRef.name], [2, 8, 'gr-go-registry']);
          }
          const pdbs = r.objects.filter((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'gr-go-registry');
          assert.equal(pdbs.length, many ? 1 : 0, 'a disruption budget exactly when there is more than one Pod');
          // The claim exists when something is kept on it: the blobs (pvc) or the embedded database.
          const claimed = storage !== 's3' || database === 'embedded';
          assert.equal(r.objects.some((o) => o.kind === 'PersistentVolumeClaim'), claimed);
          const data = d.template.spec.volumes.find((v) => v.name === 'data')!;
          assert.ok(claimed ? data.persistentVolumeClaim : data.emptyDir, JSON.stringify(data));
          const env = envOf(d);
          assert.equal(env.get('BLOB_STORE')?.value, storage === 's3' ? 's3' : 'fs');
          if (storage === 's3') {
            assert.equal(env.get('S3_BUCKET')?.value, 'go-modules');
            assert.equal(env.get('S3_ENDPOINT')?.value, 'https://s3.storage.svc:9000');
            assert.equal(env.get('S3_FORCE_PATH_STYLE')?.value, 'true');
            assert.deepEqual(env.get('AWS_SECRET_ACCESS_KEY')?.valueFrom?.secretKeyRef, { name: 'bucket-keys', key: 'AWS_SECRET_ACCESS_KEY' });
            assert.deepEqual(env.get('SUMDB_SIGNING_KEY')?.valueFrom?.secretKeyRef, { name: 'sumdb-key', key: 'signing-key' });
          } else {
            assert.equal(env.has('S3_BUCKET'), false);
          }
          const applied = await cluster.kubectl(['apply', '-n', ns, '--dry-run=server', '--validate=strict', '-f', '-'], r.stdout);
          assert.equal(applied.code, 0, applied.stderr);
        });
      }
    }
  }
});

describe('chart: S3 settings', () => {
  test('s3 without a bucket, or without the shared signing key, is refused naming the value', async () => {
    const { 'storage.s3.bucket': _, ...noBucket } = storageValues.s3;
    const a = await render(noBucket);
    assert.notEqual(a.code, 0);
    assert.match(a.stderr, /storage\.type=s3 needs storage\.s3\.bucket/);
    const { 'sumdb.existingSecret': __, ...noKey } = storageValues.s3;
    const b = await render(noKey);
    assert.notEqual(b.code, 0);
    assert.match(b.stderr, /storage\.type=s3 needs sumdb\.existingSecret: .*generate-sumdb-key/);
    const c = await render({ 'storage.type': 'gcs' });
    assert.notEqual(c.code, 0);
    assert.match(c.stderr, /storage\/type.*'pvc', 's3'/);
  });

  test('workload identity for the bucket: no credentials Secret, the ServiceAccount annotated; redirect settings passed on', async () => {
    const { 'storage.s3.credentialsSecret': _, ...noKeys } = storageValues.s3;
    const r = await render({
      ...noKeys, ...databaseValues.external, 'registry.replicas': 2,
      'registry.serviceAccount.annotations': { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/go-registry' },
      'storage.s3.redirect': true, 'storage.s3.redirectExpiresSeconds': 120, 'storage.s3.region': 'eu-west-1',
    });
    assert.equal(r.code, 0, r.stderr);
    const d = registryOf(r.objects);
    const env = envOf(d);
    assert.equal(env.has('AWS_ACCESS_KEY_ID'), false, 'the SDK default chain, not a key');
    assert.deepEqual([env.get('S3_REDIRECT')?.value, env.get('S3_REDIRECT_EXPIRES_SECONDS')?.value, env.get('S3_REGION')?.value], ['true', '120', 'eu-west-1']);
    const sa = findObject(r.objects, 'ServiceAccount', 'gr-go-registry');
    assert.equal(d.template.spec.serviceAccountName, sa.metadata.name);
    assert.equal(sa.metadata.annotations?.['eks.amazonaws.com/role-arn'], 'arn:aws:iam::123456789012:role/go-registry');
    const applied = await cluster.kubectl(['apply', '-n', ns, '--dry-run=server', '--validate=strict', '-f', '-'], r.stdout);
    assert.equal(applied.code, 0, applied.stderr);
  });

  test('an autoscaler whose maximum is below its minimum is refused', async () => {
    const r = await render({ ...storageValues.s3, ...databaseValues.external, 'registry.autoscaling.enabled': true, 'registry.autoscaling.minReplicas': 4, 'registry.autoscaling.maxReplicas': 2 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /registry\.autoscaling\.maxReplicas must be at least minReplicas/);
  });
});
