/**
 * The soak's measurements and report (soak.ts drives the load): what was sent and answered, how
 * fast the other process saw each write, the processes' memory and descriptors sampled from /proc
 * with the leveling-off criterion, what their logs say, and the report as a few lines for people.
 */

import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const MiB = 1024;

export interface Convergence {
  count: number;
  /** Delay until the other process saw the write (ms). */
  maxMs: number;
  p50Ms: number;
  p99Ms: number;
  /** Writes the other process had not seen within the bound. */
  overBound: number;
}

export interface Samples {
  pid: number;
  rssKiB: number[];
  fds: number[];
}

export interface Leveling {
  rssFirstMiB: number;
  rssLastMiB: number;
  fdFirst: number;
  fdLast: number;
  ok: boolean;
}

export interface SoakReport {
  seconds: number;
  boundMs: number;
  /** kind → status (or "error") → count. */
  requests: Record<string, Record<string, number>>;
  totalRequests: number;
  convergence: Record<string, Convergence>;
  processes: Record<string, Samples & { leveling: Leveling }>;
  versions: { published: number; deleted: number; liveAtEnd: number; blobFilesAtEnd: number };
  /** The registry processes' own error-level log lines. */
  errorLogLines: number;
  /** Times a process's change-notification connection was found dead (read cache off until it was back). */
  listenerLost: number;
  loadAverage: { start: number[]; end: number[] };
  criterion: string;
  /** Every invariant that failed, with what was seen (capped at 50 messages, counted in full). */
  violations: string[];
  violationCount: number;
}

export const LEVELING_CRITERION =
  'per process, after a warm-up (160 versions published and read on both), the median of the last third of the samples against the median of the first third: ' +
  'RSS at most 1.25 × + 16 MiB, open descriptors at most 1.25 × + 16';

/** Memory and descriptors level off: the last third's median within a margin of the first third's. */
export function levelsOff(s: Samples): Leveling {
  const third = Math.max(1, Math.floor(s.rssKiB.length / 3));
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? 0;
  };
  const rssFirst = median(s.rssKiB.slice(0, third)) / MiB;
  const rssLast = median(s.rssKiB.slice(-third)) / MiB;
  const fdFirst = median(s.fds.slice(0, third));
  const fdLast = median(s.fds.slice(-third));
  const ok = rssLast <= rssFirst * 1.25 + 16 && fdLast <= fdFirst * 1.25 + 16;
  return { rssFirstMiB: round(rssFirst), rssLastMiB: round(rssLast), fdFirst, fdLast, ok };
}

export const round = (x: number) => Math.round(x * 10) / 10;
/** One sample of a process: its resident memory (VmRSS) and open descriptors, from /proc. */
export async function procSample(pid: number): Promise<{ rssKiB: number; fds: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
  const fds = (await readdir(`/proc/${pid}/fd`)).length;
  return { rssKiB, fds };
}

export const totalRequests = (requests: SoakReport['requests']) => Object.values(requests).reduce((n, c) => n + Object.values(c).reduce((m, x) => m + x, 0), 0);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

/** Per kind of write: how long the other process took to see it, and how often it took longer than the bound. */
export function convergenceOf(delays: Record<string, number[]>, overBound: Record<string, number>): Record<string, Convergence> {
  const convergence: Record<string, Convergence> = {};
  for (const [kind, ds] of Object.entries(delays)) {
    const sorted = [...ds].sort((x, y) => x - y);
    convergence[kind] = { count: ds.length, maxMs: sorted.at(-1) ?? 0, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), overBound: overBound[kind] ?? 0 };
  }
  return convergence;
}

/** The registry processes' logs (<dir>/<name>.log): their error-level lines, and how often a change-notification connection was lost. */
export async function scanLogs(dir: string, names: string[]): Promise<{ errors: { process: string; line: string }[]; listenerLost: number }> {
  const errors: { process: string; line: string }[] = [];
  let listenerLost = 0;
  for (const name of names) {
    const log = await readFile(path.join(dir, `${name}.log`), 'utf8').catch(() => '');
    for (const line of log.split('\n')) {
      if (line.includes('change notifications lost')) listenerLost++;
      if (/"level":(50|60)/.test(line)) errors.push({ process: name, line });
    }
  }
  return { errors, listenerLost };
}

/** Every invariant that failed: the first 50 messages kept, all counted, each told to progress as it happens. */
export class Violations {
  readonly messages: string[] = [];
  count = 0;

  constructor(private readonly progress: (line: string) => void) {}

  add(msg: string): void {
    this.count++;
    if (this.messages.length < 50) this.messages.push(msg);
    this.progress(`violation: ${msg}`);
  }
}

export interface Measured {
  seconds: number;
  boundMs: number;
  requests: SoakReport['requests'];
  samples: Record<string, Samples>;
  /** Per kind of write, each delay until the other process saw it (ms), and how many were over the bound. */
  delays: Record<string, number[]>;
  overBound: Record<string, number>;
  versions: SoakReport['versions'];
  logs: Awaited<ReturnType<typeof scanLogs>>;
  loadStart: number[];
  violations: Violations;
}

/** The report from what was measured; memory that does not level off and error-level log lines are violations too. */
export function finishReport(m: Measured): SoakReport {
  const processes: SoakReport['processes'] = {};
  for (const [name, s] of Object.entries(m.samples)) {
    const leveling = levelsOff(s);
    if (!leveling.ok) m.violations.add(`${name}: RSS or descriptors do not level off (${JSON.stringify(leveling)})`);
    processes[name] = { ...s, leveling };
  }
  for (const e of m.logs.errors) m.violations.add(`${e.process} logged an error: ${e.line.slice(0, 300)}`);
  return {
    seconds: m.seconds,
    boundMs: m.boundMs,
    requests: m.requests,
    totalRequests: totalRequests(m.requests),
    convergence: convergenceOf(m.delays, m.overBound),
    processes,
    versions: m.versions,
    errorLogLines: m.logs.errors.length,
    listenerLost: m.logs.listenerLost,
    loadAverage: { start: m.loadStart.map(round), end: os.loadavg().map(round) },
    criterion: LEVELING_CRITERION,
    violations: m.violations.messages,
    violationCount: m.violations.count,
  };
}

/** The report as a few lines for people. */
export function formatReport(r: SoakReport): string {
  const lines = [`soak: ${r.seconds} s, ${r.totalRequests} requests, load average ${r.loadAverage.start.join(' ')} → ${r.loadAverage.end.join(' ')} (2 cores)`];
  lines.push('requests by kind and status:');
  for (const [kind, counts] of Object.entries(r.requests).sort()) {
    lines.push(`  ${kind.padEnd(18)} ${Object.entries(counts).map(([s, n]) => `${s}: ${n}`).join(', ')}`);
  }
  lines.push(`convergence (delay until the other process sees an acknowledged write; bound ${r.boundMs} ms):`);
  for (const [kind, c] of Object.entries(r.convergence)) {
    lines.push(`  ${kind.padEnd(18)} ${c.count} writes, p50 ${c.p50Ms} ms, p99 ${c.p99Ms} ms, max ${c.maxMs} ms, over the bound ${c.overBound}`);
  }
  lines.push(`versions: ${r.versions.published} published, ${r.versions.deleted} deleted, ${r.versions.liveAtEnd} live at the end; ${r.versions.blobFilesAtEnd} blob files`);
  lines.push(`leveling off (${r.criterion}):`);
  for (const [name, p] of Object.entries(r.processes)) {
    const l = p.leveling;
    const first = (xs: number[]) => xs[0] ?? 0;
    const last = (xs: number[]) => xs.at(-1) ?? 0;
    lines.push(
      `  ${name}: RSS ${Math.round(first(p.rssKiB) / MiB)} → ${Math.round(last(p.rssKiB) / MiB)} MiB (max ${Math.round(Math.max(...p.rssKiB) / MiB)}; ` +
        `median first third ${l.rssFirstMiB}, last third ${l.rssLastMiB}), fds ${first(p.fds)} → ${last(p.fds)} (max ${Math.max(...p.fds)}; ` +
        `median first third ${l.fdFirst}, last third ${l.fdLast}): ${l.ok ? 'levels off' : 'GROWS'}`,
    );
  }
  lines.push(`error-level log lines: ${r.errorLogLines}; change-notification connections found dead (read cache off meanwhile): ${r.listenerLost}`);
  lines.push(r.violationCount === 0 ? 'invariants: all held' : `invariants: ${r.violationCount} violations:\n  ${r.violations.join('\n  ')}`);
  return lines.join('\n');
}
