/**
 * A program of ours as a child process (node resolved to this Node.js), ready once it logs
 * a JSON line whose msg is readyMsg; killed when the test process exits. The registry,
 * the operator and the chart's rendered Pods all start through here.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { track } from './child-processes.js';
import { REPO_ROOT } from './paths.js';

export interface JsonLogProcess {
  pid: number;
  /** Every line the process printed so far (empty with logFile). */
  logs: string[];
  /** The ready line's fields (port, url, …). */
  ready: Record<string, unknown>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface JsonLogProcessOptions {
  timeoutMs?: number;
  /** Append every line here instead of keeping it in `logs` (benchmarks: millions of access-log lines). */
  logFile?: string;
}

export async function startJsonLogProcess(
  command: string[],
  env: Record<string, string>,
  readyMsg: string,
  options: JsonLogProcessOptions = {},
): Promise<JsonLogProcess> {
  const { timeoutMs = 60_000, logFile } = options;
  const [cmd, ...args] = command;
  const child = spawn(cmd === 'node' ? process.execPath : cmd!, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  const logs: string[] = [];
  const file = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  const keep = (line: string) => (file ? file.write(line + '\n') : logs.push(line));
  child.stderr!.on('data', (d: Buffer) => keep(d.toString()));
  const logged = () => `${logs.join('\n')}${logFile ? ` (log: ${logFile})` : ''}`;
  let readyEntry: Record<string, unknown> | undefined;
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never leave a half-started process behind
      reject(new Error(`${command.join(' ')} did not log "${readyMsg}" in ${timeoutMs} ms:\n${logged()}`));
    }, timeoutMs);
    const onLine = (line: string) => {
      keep(line);
      if (readyEntry) return;
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === readyMsg) {
          clearTimeout(timer);
          readyEntry = entry;
          resolve(entry);
        }
      } catch {
        // not JSON: kept in logs
      }
    };
    let pending = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      // Once ready, a log file takes the bytes as they come: a benchmark's millions of
      // access-log lines must not cost this process (on the same cores) a parse each.
      if (readyEntry && file) return void file.write(chunk);
      pending += chunk;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        onLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    });
    child.stdout!.on('end', () => pending && onLine(pending));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command.join(' ')} exited with ${code} before "${readyMsg}":\n${logged()}`));
    });
  });
  return {
    pid: child.pid!,
    logs,
    ready,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill(signal);
        await exited;
      }
      file?.end();
    },
  };
}
