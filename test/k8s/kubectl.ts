/** kubectl for suites: a runner that fails the test on a non-zero exit, a ServiceAccount's kubeconfig, and GoPackageOwner readiness. */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { Cluster } from './cluster.js';

export type KubectlOk = (args: string[], input?: string) => Promise<string>;

/** kubectl that asserts success and returns stdout; `namespace` is prepended as -n when given. */
export function kubectlOk(cluster: Pick<Cluster, 'kubectl'>, namespace?: string): KubectlOk {
  return async (args, input) => {
    const r = await cluster.kubectl(namespace ? ['-n', namespace, ...args] : args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
}

/**
 * A kubeconfig (written to file) that acts as the ServiceAccount with a token from the
 * TokenRequest API, as a Pod running under it would: a process started with it has that
 * account's RBAC and nothing more.
 */
export async function serviceAccountKubeconfig(
  cluster: Pick<Cluster, 'kubectl' | 'kubeconfig'>,
  namespace: string,
  serviceAccount: string,
  file: string,
): Promise<string> {
  const token = (await kubectlOk(cluster, namespace)(['create', 'token', serviceAccount, '--duration=2h'])).trim();
  const admin = parseYaml(await readFile(cluster.kubeconfig, 'utf8')) as { clusters: { cluster: Record<string, string> }[] };
  await writeFile(file, toYaml({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'sa',
    clusters: [{ name: 'test', cluster: admin.clusters[0]!.cluster }],
    users: [{ name: 'sa', user: { token } }],
    contexts: [{ name: 'sa', context: { cluster: 'test', user: 'sa', namespace } }],
  }), { mode: 0o600 });
  return file;
}

interface GpoStatus {
  metadata: { generation: number };
  status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] };
}

/** Ready=True for the resource's current generation. */
export const isReady = (g: GpoStatus | undefined) =>
  g !== undefined &&
  g.status?.observedGeneration === g.metadata.generation &&
  g.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
