/**
 * The registry as a separate process, started with the package's own `start`
 * command (minus the prestart build `npm test` already did), on a random port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { track } from './child-processes.js';
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
  const child: ChildProcess = spawn('sh', ['-c', `exec ${command}`], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  const logs: string[] = [];
  const logFile = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const keep = (line: string) => (logFile ? logFile.write(line + '\n') : logs.push(line));
  const lines = createInterface({ input: child.stdout! });
  child.stderr!.on('data', (d: Buffer) => keep(d.toString()));
  let url = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never leave a half-started process behind
      reject(new Error(`registry did not start in ${timeoutMs} ms:\n${logs.join('\n')}`));
    }, timeoutMs);
    lines.on('line', (line) => {
      keep(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number; url?: string };
        if (entry.msg === 'listening' && entry.port) {
          clearTimeout(timer);
          url = entry.url ?? `http://127.0.0.1:${entry.port}`;
          resolve(entry.port);
        }
      } catch {
        // not JSON: kept in logs
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`registry exited with ${code} before listening:\n${logs.join('\n')}${logFile ? ` (log: ${options.logFile})` : ''}`));
    });
  });
  return {
    url,
    port,
    pid: child.pid!,
    logs,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      logFile?.end();
    },
  };
}
