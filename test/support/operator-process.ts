/** The operator as a separate process, started with the package's compiled entry point. */
import path from 'node:path';
import { startJsonLogProcess } from './json-log-process.js';
import { REPO_ROOT } from './paths.js';

export interface OperatorProcess {
  metricsUrl: string;
  logs: string[];
  pid: number;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startOperatorProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<OperatorProcess> {
  const p = await startJsonLogProcess(['node', path.join(REPO_ROOT, 'dist', 'operator', 'main.js')], { METRICS_PORT: '0', ...env }, 'operator started', { timeoutMs });
  return { metricsUrl: `http://127.0.0.1:${p.ready.metricsPort as number}/metrics`, logs: p.logs, pid: p.pid, stop: (signal) => p.stop(signal) };
}
