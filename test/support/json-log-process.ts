/**
 * A program of ours as a child process (node resolved to this Node.js), ready once it logs
 * a JSON line whose msg is readyMsg; killed when the test process exits.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { track } from './child-processes.js';
import { REPO_ROOT } from './paths.js';

export interface JsonLogProcess {
  pid: number;
  logs: string[];
  /** The ready line's fields (port, url, …). */
  ready: Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startJsonLogProcess(command: string[], env: Record<string, string>, readyMsg: string, timeoutMs = 60_000): Promise<JsonLogProcess> {
  const [cmd, ...args] = command;
  const child = spawn(cmd === 'node' ? process.execPath : cmd!, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  const logs: string[] = [];
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command.join(' ')} did not log "${readyMsg}":\n${logs.join('\n')}`));
    }, timeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === readyMsg) {
          clearTimeout(timer);
          resolve(entry);
        }
      } catch {
        // not JSON: kept in logs
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command.join(' ')} exited with ${code}:\n${logs.join('\n')}`));
    });
  });
  return {
    pid: child.pid!,
    logs,
    ready,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
