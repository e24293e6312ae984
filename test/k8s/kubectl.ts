/** kubectl for suites: a runner that fails the test on a non-zero exit, and GoPackageOwner readiness. */
import assert from 'node:assert/strict';
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

interface GpoStatus {
  metadata: { generation: number };
  status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] };
}

/** Ready=True for the resource's current generation. */
export const isReady = (g: GpoStatus | undefined) =>
  g !== undefined &&
  g.status?.observedGeneration === g.metadata.generation &&
  g.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
