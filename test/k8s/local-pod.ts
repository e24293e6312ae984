/**
 * Runs a rendered Deployment's container as a local process, the way the kubelet would
 * start it: the container's command (with /app, the image's WORKDIR, at the repository
 * root), its env with secretKeyRef, fieldRef and $(VAR) resolved from the real cluster,
 * and its volumes materialised in a folder (Secrets with their items, emptyDir and PVCs
 * as empty folders, projected volumes with the Pod's ServiceAccount token from the
 * TokenRequest API — its audience and lifetime — and ConfigMap items). Paths under a mount are rewritten into that folder. The only
 * overrides are what a Pod network gives for free: a free loopback port per container port.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { startJsonLogProcess } from '../support/json-log-process.js';
import path from 'node:path';
import { REPO_ROOT } from '../support/paths.js';
import type { SharedCluster } from './cluster.js';
import type { K8sObject } from './chart.js';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}
interface Container {
  name: string;
  command: string[];
  env?: EnvVar[];
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Items {
  items?: { key: string; path: string }[];
}
interface ProjectedSource {
  serviceAccountToken?: { audience?: string; expirationSeconds?: number; path: string };
  configMap?: { name: string } & Items;
}
interface Volume {
  name: string;
  secret?: { secretName: string } & Items;
  projected?: { sources: ProjectedSource[] };
  emptyDir?: object;
  persistentVolumeClaim?: { claimName: string };
}

export interface LocalPod {
  command: string[];
  env: Record<string, string>;
}

export async function materializePod(
  cluster: Pick<SharedCluster, 'kubectl'>,
  deployment: K8sObject,
  options: { namespace: string; podName: string; dir: string; overrides?: Record<string, string> },
): Promise<LocalPod> {
  const spec = (deployment.spec as { template: { spec: { containers: Container[]; volumes?: Volume[]; serviceAccountName?: string } } }).template.spec;
  const container = spec.containers[0]!;
  const secrets = new Map<string, Record<string, string>>();
  const secret = async (name: string) => {
    if (!secrets.has(name)) {
      const r = await cluster.kubectl(['-n', options.namespace, 'get', 'secret', name, '-o', 'json']);
      if (r.code !== 0) throw new Error(`the Pod needs Secret ${name}: ${r.stderr}`);
      const data = (JSON.parse(r.stdout) as { data?: Record<string, string> }).data ?? {};
      secrets.set(name, Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()])));
    }
    return secrets.get(name)!;
  };

  const mounts: Record<string, string> = {};
  for (const mount of container.volumeMounts ?? []) {
    const volume = (spec.volumes ?? []).find((v) => v.name === mount.name);
    if (!volume) throw new Error(`volumeMount ${mount.name} has no volume`);
    const local = path.join(options.dir, container.name, mount.mountPath);
    await mkdir(local, { recursive: true });
    mounts[mount.mountPath] = local;
    if (volume.secret) await writeItems(local, `Secret ${volume.secret.secretName}`, await secret(volume.secret.secretName), volume.secret.items);
    for (const source of volume.projected?.sources ?? []) {
      if (source.serviceAccountToken) {
        const t = source.serviceAccountToken;
        const args = ['-n', options.namespace, 'create', 'token', spec.serviceAccountName ?? 'default', ...(t.audience ? [`--audience=${t.audience}`] : []), `--duration=${t.expirationSeconds ?? 3600}s`];
        const r = await cluster.kubectl(args);
        if (r.code !== 0) throw new Error(`the Pod's projected token: ${r.stderr}`);
        await writeFile(path.join(local, t.path), r.stdout.trim(), { mode: 0o600 });
      }
      if (source.configMap) await writeItems(local, `ConfigMap ${source.configMap.name}`, await configMap(cluster, options.namespace, source.configMap.name), source.configMap.items);
    }
  }
  // Anywhere in a value: a path may sit inside one (OIDC_ISSUERS is JSON naming files under a mount).
  const localPath = (value: string) => {
    if (mounts[value]) return mounts[value]!;
    const paths = Object.keys(mounts).sort((x, y) => y.length - x.length).map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    if (paths.length === 0) return value;
    // One pass, each path where one starts (the start, or after a quote, =, : or space), so a rewritten path is never rewritten again.
    return value.replace(new RegExp(`(^|["'=:\\s])(${paths.join('|')})(?=/)`, 'g'), (_, before: string, m: string) => before + mounts[m]);
  };

  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    let value: string;
    if (e.valueFrom?.secretKeyRef) {
      const data = await secret(e.valueFrom.secretKeyRef.name);
      value = data[e.valueFrom.secretKeyRef.key] ?? '';
    } else if (e.valueFrom?.fieldRef) {
      const field = e.valueFrom.fieldRef.fieldPath;
      value = field === 'metadata.namespace' ? options.namespace : field === 'metadata.name' ? options.podName : '';
    } else {
      // Kubernetes expands $(VAR) from entries defined before this one.
      value = (e.value ?? '').replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string) => env[name] ?? m);
    }
    env[e.name] = localPath(value);
  }
  Object.assign(env, options.overrides ?? {});
  const command = container.command.map((part) => (part.startsWith('/app/') ? path.join(REPO_ROOT, part.slice('/app/'.length)) : part));
  return { command, env };
}

async function writeItems(dir: string, what: string, data: Record<string, string>, items: { key: string; path: string }[] | undefined): Promise<void> {
  for (const item of items ?? Object.keys(data).map((key) => ({ key, path: key }))) {
    if (data[item.key] === undefined) throw new Error(`${what} has no key ${item.key}`);
    await writeFile(path.join(dir, item.path), data[item.key]!, { mode: 0o600 });
  }
}

/** A ConfigMap's data; kube-root-ca.crt is published by the controller manager shortly after the namespace exists. */
async function configMap(cluster: Pick<SharedCluster, 'kubectl'>, namespace: string, name: string): Promise<Record<string, string>> {
  for (let attempt = 0; ; attempt++) {
    const r = await cluster.kubectl(['-n', namespace, 'get', 'configmap', name, '-o', 'json']);
    if (r.code === 0) return (JSON.parse(r.stdout) as { data?: Record<string, string> }).data ?? {};
    if (attempt >= 40) throw new Error(`the Pod needs ConfigMap ${name}: ${r.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Starts the Pod's command and waits for the JSON log line whose msg is readyMsg. */
export const startLocalPod = (pod: LocalPod, readyMsg: string, extraEnv: Record<string, string> = {}) =>
  startJsonLogProcess(pod.command, { ...pod.env, ...extraEnv }, readyMsg);
