/** The operator as a separate process, started with the package's compiled entry point. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { track } from './child-processes.js';
import { REPO_ROOT } from './paths.js';

export interface OperatorProcess {
  metricsUrl: string;
  logs: string[];
  pid: number;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startOperatorProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<OperatorProcess> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'operator', 'main.js')], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  const logs: string[] = [];
  child.stderr.on('data', (d: Buffer) => logs.push(d.toString()));
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never leave a half-started process behind
      reject(new Error(`operator did not start:\n${logs.join('\n')}`));
    }, timeoutMs);
    lines.on('line', (line) => {
      logs.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; metricsPort?: number };
        if (entry.msg === 'operator started') {
          clearTimeout(timer);
          resolve(entry.metricsPort!);
        }
      } catch {
        // not JSON
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`operator exited with ${code}:\n${logs.join('\n')}`));
    });
  });
  return {
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    logs,
    pid: child.pid!,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}
