/**
 * Starts a real Kubernetes control plane on loopback: etcd, kube-apiserver (RBAC,
 * default admission, service-account keys) and kube-controller-manager (garbage
 * collector, namespace and service-account controllers). No nodes: Pods never run.
 * Every process is stopped by stop(), and killed if this process exits first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../support/free-port.js';
import { ensureK8sBinaries } from './binaries.js';
import { createClusterPki, kubeconfig } from './pki.js';

export interface Cluster {
  kubeconfig: string;
  /** Runs kubectl of the cluster's own version with the admin kubeconfig. */
  kubectl: (args: string[], input?: string) => Promise<{ stdout: string; stderr: string; code: number }>;
  kubectlPath: string;
  helmPath: string;
  server: string;
  dir: string;
  pids: number[];
  /** Stops the API server and starts it again on the same port and data (informer-recovery tests). */
  restartApiServer(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Keep running after this process exits (for `npm run cluster -- up`). */
  detached?: boolean;
  dir?: string;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous kills on exit, so an interrupted or failed test run leaves no stray processes.
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of live) child.kill('SIGKILL');
      process.exit(130);
    });
  }
}

/** The end of a component's log, for error messages (the folder is removed on failure). */
const logTail = (dir: string, name: string) => {
  try {
    return readFileSync(path.join(dir, 'logs', `${name}.log`), 'utf8').split('\n').slice(-25).join('\n');
  } catch {
    return '(no log)';
  }
};

async function waitFor(dir: string, what: string, check: () => Promise<boolean>, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode} while starting:\n${logTail(dir, what)}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not become ready in ${timeoutMs / 1000} s:\n${logTail(dir, what)}`);
}

export async function startCluster(options: StartOptions = {}): Promise<Cluster> {
  const bin = await ensureK8sBinaries();
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'go-registry-k8s-')));
  await mkdir(path.join(dir, 'pki'), { recursive: true });
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  const pki = await createClusterPki(path.join(dir, 'pki'));
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const server = `https://127.0.0.1:${apiPort}`;
  const adminConfig = path.join(dir, 'admin.kubeconfig');
  const cmConfig = path.join(dir, 'controller-manager.kubeconfig');
  await writeFile(adminConfig, kubeconfig(server, pki.caCert, 'admin', pki.adminCert, pki.adminKey));
  await writeFile(cmConfig, kubeconfig(server, pki.caCert, 'system:kube-controller-manager', pki.controllerManagerCert, pki.controllerManagerKey));
  if (!options.detached) installExitHook();

  const children: ChildProcess[] = [];
  const start = (name: string, args: string[]) => {
    const log = openSync(path.join(dir, 'logs', `${name}.log`), 'a');
    const child = spawn(bin.testenv, [name, ...args], { stdio: ['ignore', log, log], detached: options.detached ?? false });
    children.push(child);
    if (options.detached) child.unref();
    else live.add(child);
    child.on('exit', () => live.delete(child));
    return child;
  };

  const stop = async () => {
    for (const child of [...children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const etcd = start('etcd', [
      '--name=default', `--data-dir=${path.join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`, `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`, '--unsafe-no-fsync', '--log-level=warn',
    ]);
    await waitFor(dir, 'etcd', async () => (await fetch(`http://127.0.0.1:${etcdClient}/health`)).ok, etcd);

    const apiserverArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`,
      `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`, `--client-ca-file=${pki.caCert}`,
      '--authorization-mode=Node,RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.serviceAccountPub}`, `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-cluster-ip-range=10.0.0.0/24', '--allow-privileged=true',
      // The kubernetes Service endpoint may not be loopback, and no Pod needs it: no nodes run here.
      '--endpoint-reconciler-type=none',
      `--cert-dir=${path.join(dir, 'apiserver-certs')}`, '--v=1',
    ];
    let apiserver = start('kube-apiserver', apiserverArgs);
    const kubectl = kubectlRunner(bin.testenv, adminConfig);
    const apiserverReady = () => waitFor(dir, 'kube-apiserver', async () => (await kubectl(['get', '--raw', '/readyz'])).stdout.trim() === 'ok', apiserver);
    await apiserverReady();

    start('kube-controller-manager', [
      `--kubeconfig=${cmConfig}`, `--authentication-kubeconfig=${cmConfig}`, `--authorization-kubeconfig=${cmConfig}`,
      '--bind-address=127.0.0.1', `--secure-port=${await freePort()}`, '--leader-elect=false',
      `--service-account-private-key-file=${pki.serviceAccountKey}`, `--root-ca-file=${pki.caCert}`,
      '--use-service-account-credentials=true', '--controllers=*', '--v=1',
    ]);
    return {
      kubeconfig: adminConfig,
      kubectl,
      kubectlPath: bin.kubectl,
      helmPath: bin.helm,
      server,
      dir,
      get pids() {
        return children.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => c.pid!);
      },
      async restartApiServer() {
        const exited = once(apiserver, 'exit');
        apiserver.kill('SIGTERM');
        await exited;
        apiserver = start('kube-apiserver', apiserverArgs);
        await apiserverReady();
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** kubectl with this cluster's kubeconfig: the multi-call binary (component first) or its kubectl link. */
function kubectlRunner(binary: string, config: string, multiCall = true) {
  return (args: string[], input?: string) =>
    new Promise<{ stdout: string; stderr: string; code: number }>((resolve, reject) => {
      const argv = [...(multiCall ? ['kubectl'] : []), `--kubeconfig=${config}`, ...args];
      const child = spawn(binary, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
      child.stdin.end(input ?? '');
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ stdout, stderr, code: code ?? 1 }));
    });
}

/** The API server's ServiceAccount signing key (PKCS#8 PEM) of a cluster startCluster made: tests mint tokens of the real issuer with it. */
export const serviceAccountSigningKey = (kubeconfig: string) => path.join(path.dirname(kubeconfig), 'pki', 'sa.key');

/** How test/run.mjs hands one cluster to every test process of a run. */
export const SHARED_CLUSTER_ENV = 'GO_REGISTRY_TEST_CLUSTER';

export interface SharedCluster {
  kubeconfig: string;
  kubectlPath: string;
  helmPath: string;
  server: string;
  kubectl: Cluster['kubectl'];
  /** A fresh namespace for one suite; suites sharing a cluster stay apart by namespace. */
  namespace(prefix: string): Promise<string>;
  /** Stops the cluster if this process started it; a no-op for the run's shared one. */
  release(): Promise<void>;
}

let namespaceCounter = 0;

/**
 * The run's shared cluster when test/run.mjs started one, else a cluster of this
 * process's own (when a suite runs alone).
 */
export async function sharedCluster(): Promise<SharedCluster> {
  const handed = process.env[SHARED_CLUSTER_ENV];
  const own = handed ? undefined : await startCluster();
  const info = handed
    ? (JSON.parse(handed) as Pick<Cluster, 'kubeconfig' | 'kubectlPath' | 'helmPath' | 'server'>)
    : own!;
  const kubectl = kubectlRunner(info.kubectlPath, info.kubeconfig, false);
  return {
    kubeconfig: info.kubeconfig,
    kubectlPath: info.kubectlPath,
    helmPath: info.helmPath,
    server: info.server,
    kubectl,
    async namespace(prefix) {
      const name = `${prefix}-${process.pid}-${namespaceCounter++}`;
      const r = await kubectl(['create', 'namespace', name]);
      if (r.code !== 0) throw new Error(`creating namespace ${name}: ${r.stderr}`);
      return name;
    },
    release: async () => own?.stop(),
  };
}
