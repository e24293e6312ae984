/**
 * The registry as a separate process, started with the package's own `start`
 * command (minus the prestart build `npm test` already did), on a random port.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startJsonLogProcess } from './json-log-process.js';
import { REPO_ROOT } from './paths.js';

export interface RegistryProcess {
  url: string;
  port: number;
  /** The registry's own process id (`sh -c exec` replaces the shell). */
  pid: number;
  /** Every log line the process printed so far. */
  logs: string[];
  stop(): Promise<void>;
}

const startCommand = (): string => {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  return pkg.scripts.start;
};

export interface RegistryProcessOptions {
  /** Append every log line here instead of keeping it in `logs` (benchmarks: millions of access-log lines). */
  logFile?: string;
  /** Options for node itself, before the script (e.g. --cpu-prof, which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
}

export async function startRegistryProcess(
  env: Record<string, string>,
  timeoutMs = 60_000,
  options: RegistryProcessOptions = {},
): Promise<RegistryProcess> {
  const command = startCommand().replace(/^node /, `node ${(options.nodeArgs ?? []).join(' ')} `);
  const p = await startJsonLogProcess(['sh', '-c', `exec ${command}`], { HOST: '127.0.0.1', PORT: '0', UPSTREAM_GOPROXY: 'off', ...env }, 'listening', {
    timeoutMs,
    ...(options.logFile ? { logFile: options.logFile } : {}),
  });
  const port = p.ready.port as number;
  return { url: (p.ready.url as string | undefined) ?? `http://127.0.0.1:${port}`, port, pid: p.pid, logs: p.logs, stop: () => p.stop() };
}
