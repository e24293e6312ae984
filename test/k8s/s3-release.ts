/**
 * The chart installed with several registry replicas on an S3 bucket, as the install suites
 * need it: the Secrets a user makes first (the bucket's keys, one checksum-database signing key
 * every replica signs with, the Service's TLS certificate, the admin token) with the values that
 * name them, and the release's replicas run as local Pods (local-pod.ts), each reached by the
 * Service's name through a proxy of its own.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/free-port.js';
import type { JsonLogProcess } from '../support/json-log-process.js';
import { REPO_ROOT } from '../support/paths.js';
import { startServiceProxy, type ServiceProxy } from '../support/service-proxy.js';
import { createTestCa } from '../support/test-ca.js';
import type { Versitygw } from '../support/versitygw.js';
import { findObject, type K8sObject } from './chart.js';
import type { SharedCluster } from './cluster.js';
import { kubectlOk } from './kubectl.js';
import { materializePod, startLocalPod } from './local-pod.js';

const run = promisify(execFile);

export interface S3ReleaseOptions {
  namespace: string;
  /** Where the test CA and certificates are written. */
  dir: string;
  /** The Service's DNS name the certificate is for. */
  service: string;
  sumdbName: string;
  adminToken: string;
}

/** Makes the Secrets in the namespace; returns the CA that signs the Service's certificate and the values naming the Secrets. */
export async function createS3ReleaseSecrets(
  cluster: Pick<SharedCluster, 'kubectl'>,
  gw: Versitygw,
  bucket: string,
  o: S3ReleaseOptions,
): Promise<{ caFile: string; values: Record<string, unknown> }> {
  const kubectl = kubectlOk(cluster, o.namespace);
  const ca = await createTestCa(o.dir);
  const cert = await ca.issue('service', [o.service]);
  const { stdout: signingKey } = await run(process.execPath, ['dist/registry/main.js', 'generate-sumdb-key', o.sumdbName], { cwd: REPO_ROOT });
  await kubectl(['create', 'secret', 'generic', 'bucket-keys', `--from-literal=AWS_ACCESS_KEY_ID=${gw.accessKeyId}`, `--from-literal=AWS_SECRET_ACCESS_KEY=${gw.secretAccessKey}`]);
  await kubectl(['create', 'secret', 'generic', 'sumdb-key', `--from-literal=signing-key=${signingKey.trim()}`]);
  await kubectl(['create', 'secret', 'generic', 'registry-tls', `--from-file=tls.crt=${cert.certFile}`, `--from-file=tls.key=${cert.keyFile}`, `--from-file=ca.crt=${ca.caFile}`]);
  await kubectl(['create', 'secret', 'generic', 'registry-admin', `--from-literal=token=${o.adminToken}`]);
  const values = {
    'registry.replicas': 2, 'storage.type': 's3', 'storage.s3.bucket': bucket, 'storage.s3.endpoint': gw.endpoint, 'storage.s3.region': gw.region,
    'storage.s3.forcePathStyle': true, 'storage.s3.credentialsSecret': 'bucket-keys', 'sumdb.name': o.sumdbName, 'sumdb.existingSecret': 'sumdb-key',
    'tls.existingSecret': 'registry-tls', 'adminToken.existingSecret': 'registry-admin', 'operator.enabled': false, 'crds.install': false,
  };
  return { caFile: ca.caFile, values };
}

export interface LocalReplica {
  process: JsonLogProcess;
  /** Reaches the replica by the Service's name (HTTPS_PROXY / curl --proxy). */
  proxy: ServiceProxy;
  env: Record<string, string>;
}

/** The release's registry replicas as the kubelet would start them from its Deployment, by name. */
export class LocalReplicas {
  readonly running = new Map<string, LocalReplica>();

  constructor(
    private readonly cluster: Pick<SharedCluster, 'kubectl'>,
    private readonly namespace: string,
    private readonly dir: string,
    private readonly deployment: string,
    private readonly service: string,
  ) {}

  /** Starts one from the release's objects; `overrides` adds to the free ports a Pod network gives. */
  async start(name: string, objects: K8sObject[], overrides: Record<string, string> = {}): Promise<LocalReplica> {
    const pod = await materializePod(this.cluster, findObject(objects, 'Deployment', this.deployment), {
      namespace: this.namespace, podName: name, dir: path.join(this.dir, name),
      overrides: { HOST: '127.0.0.1', PORT: String(await freePort()), METRICS_PORT: String(await freePort()), ...overrides },
    });
    const process = await startLocalPod(pod, 'listening');
    const proxy = await startServiceProxy({ [`${this.service}:443`]: Number(pod.env.PORT) });
    const replica = { process, proxy, env: pod.env };
    this.running.set(name, replica);
    return replica;
  }

  async stop(name: string): Promise<void> {
    const r = this.running.get(name);
    this.running.delete(name);
    await r?.process.stop();
    await r?.proxy.close();
  }

  async stopAll(): Promise<void> {
    for (const name of [...this.running.keys()]) await this.stop(name);
  }
}
