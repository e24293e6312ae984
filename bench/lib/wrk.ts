/**
 * Load with wrk (a native generator, so the client is not the bottleneck): one
 * thread, fixed connections and duration, a warm-up run first, requests rotating
 * over a list of paths. A Lua `done` hook prints the figures as one JSON line.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { childPids } from '../../test/support/child-processes.js';

const run = promisify(execFile);

export interface LoadResult {
  requestsPerSecond: number;
  bytesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  /** Socket errors plus answers that were not 2xx/3xx. */
  errors: number;
  connections: number;
  /** CPU time (user + system) the server used per request, when its pid is known: steadier than req/s on a shared machine. */
  cpuMicrosPerRequest?: number;
}

export interface LoadOptions {
  wrk: string;
  baseUrl: string;
  paths: string[];
  connections: number;
  seconds: number;
  warmupSeconds: number;
  headers?: Record<string, string>;
  workDir: string;
  /** The server's process; its children (nginx's workers) are counted too. */
  serverPid?: number;
}

const SCRIPT = `
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(s, latency, requests)
  local e = s.errors
  io.write(string.format('RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"errors":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\\n',
    s.requests, s.duration, s.bytes, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`;

let counter = 0;

/** Clock ticks of user + system CPU time of a process and its direct children. */
async function cpuTicks(pid: number): Promise<number> {
  const own = async (p: string) => {
    const stat = await readFile(`/proc/${p}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11] ?? 0) + Number(fields[12] ?? 0); // utime, stime
  };
  let ticks = await own(String(pid));
  for (const c of await childPids(pid)) ticks += await own(String(c));
  return ticks;
}
const TICK_MICROS = 10_000; // USER_HZ is 100 on Linux

async function once(o: LoadOptions, seconds: number, pathsFile: string, script: string): Promise<LoadResult> {
  const headerArgs = Object.entries(o.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const { stdout } = await run(
    o.wrk,
    ['-t1', `-c${o.connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, ...headerArgs, o.baseUrl],
    { env: { ...process.env, WRK_PATHS: pathsFile }, maxBuffer: 1 << 20 },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  const r = JSON.parse(line.slice(7)) as Record<string, number>;
  const secs = r.duration_us! / 1e6;
  return {
    requestsPerSecond: Math.round(r.requests! / secs),
    bytesPerSecond: Math.round(r.bytes! / secs),
    p50Ms: r.p50_us! / 1000,
    p99Ms: r.p99_us! / 1000,
    maxMs: r.max_us! / 1000,
    requests: r.requests!,
    errors: r.errors!,
    connections: o.connections,
  };
}

export async function load(o: LoadOptions): Promise<LoadResult> {
  const id = counter++;
  const pathsFile = path.join(o.workDir, `wrk-paths-${id}.txt`);
  const script = path.join(o.workDir, 'wrk-rotate.lua');
  await writeFile(pathsFile, o.paths.join('\n') + '\n');
  await writeFile(script, SCRIPT);
  if (o.warmupSeconds > 0) await once(o, o.warmupSeconds, pathsFile, script);
  const before = o.serverPid ? await cpuTicks(o.serverPid) : 0;
  const result = await once(o, o.seconds, pathsFile, script);
  if (o.serverPid && result.requests > 0) {
    result.cpuMicrosPerRequest = Math.round((((await cpuTicks(o.serverPid)) - before) * TICK_MICROS) / result.requests);
  }
  return result;
}
