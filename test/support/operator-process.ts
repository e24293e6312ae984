/** The operator as a separate process, started with the package's compiled entry point. */
import path from 'node:path';
import { startJsonLogProcess } from './json-log-process.js';
import { REPO_ROOT } from './paths.js';

export interface OperatorProcess {
  metricsUrl: string;
  logs: string[];
  pid: number;
  /** Reconciles the operator finished so far, by its own metrics (controller_runtime_reconcile_total, every result). */
  reconciles(): Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** nodeArgs: options for node itself (e.g. --cpu-prof for benchmarks, which NODE_OPTIONS refuses). */
export async function startOperatorProcess(env: Record<string, string>, timeoutMs = 60_000, nodeArgs: string[] = []): Promise<OperatorProcess> {
  const p = await startJsonLogProcess(['node', ...nodeArgs, path.join(REPO_ROOT, 'dist', 'operator', 'main.js')], { METRICS_PORT: '0', ...env }, 'operator started', { timeoutMs });
  const metricsUrl = `http://127.0.0.1:${p.ready.metricsPort as number}/metrics`;
  return { metricsUrl, logs: p.logs, pid: p.pid, reconciles: () => reconcileCount(metricsUrl), stop: (signal) => p.stop(signal) };
}

async function reconcileCount(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return [...text.matchAll(/^controller_runtime_reconcile_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}
