/**
 * Runs a rendered Deployment's container as a local process, the way the kubelet would
 * start it: the container's command (with /app, the image's WORKDIR, at the repository
 * root), its env with secretKeyRef, fieldRef and $(VAR) resolved from the real cluster,
 * and its volumes materialised in a folder (Secrets with their items, emptyDir and PVCs
 * as empty folders). Paths under a mount are rewritten into that folder. The only
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
interface Volume {
  name: string;
  secret?: { secretName: string; items?: { key: string; path: string }[] };
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
  const spec = (deployment.spec as { template: { spec: { containers: Container[]; volumes?: Volume[] } } }).template.spec;
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
    if (volume.secret) {
      const data = await secret(volume.secret.secretName);
      const items = volume.secret.items ?? Object.keys(data).map((key) => ({ key, path: key }));
      for (const item of items) {
        if (data[item.key] === undefined) throw new Error(`Secret ${volume.secret.secretName} has no key ${item.key}`);
        await writeFile(path.join(local, item.path), data[item.key]!, { mode: 0o600 });
      }
    }
  }
  const localPath = (value: string) => {
    const mountPath = Object.keys(mounts).find((m) => value === m || value.startsWith(`${m}/`));
    return mountPath ? mounts[mountPath] + value.slice(mountPath.length) : value;
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

/** Starts the Pod's command and waits for the JSON log line whose msg is readyMsg. */
export const startLocalPod = (pod: LocalPod, readyMsg: string, extraEnv: Record<string, string> = {}) =>
  startJsonLogProcess(pod.command, { ...pod.env, ...extraEnv }, readyMsg);
