/**
 * The soak harness (README.md here): two registry processes on one throwaway PostgreSQL 15
 * cluster and one shared STORAGE_DIR, under mixed load for a given time — uploads,
 * deletes, reads of every kind, token churn, owner visibility flips — with the invariants
 * checked while it runs and at the end:
 *
 * - no 5xx and no failed connection, on any request;
 * - coherence: after a write is acknowledged by one process, the same process sees it at
 *   once and the other within `boundMs` (each delay is measured, by polling both);
 * - every listed version downloads with the SHA-256 it was published with; nothing
 *   deleted is listed once its delete was acknowledged (plus the bound);
 * - RSS (/proc/<pid>/status VmRSS) and open descriptors (/proc/<pid>/fd) level off:
 *   see `levelsOff` for the criterion.
 *
 * `runSoak` returns a report; `violations` is empty when every invariant held.
 */
import { generateKey } from '../../registry/domain/sumdb/note.js';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { escapeCase } from '../../registry/domain/case-encoding.js';
import { createOwner, createToken } from '../support/admin-api.js';
import { tempDir } from '../support/paths.js';
import { startPostgres } from '../support/postgres-cluster.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';
import { checkServed, sha256, storedFiles, type PublishedVersion } from '../support/served-state.js';
import { moduleEntries, zipBytes } from '../support/zip-writer.js';

export interface SoakOptions {
  durationMs: number;
  /**
   * Longest acceptable delay until the other process sees an acknowledged write. The default is
   * what the notification path guarantees: a change is applied when its notification arrives,
   * which is before the answer to the listener's next heartbeat, and a heartbeat unanswered
   * within its deadline turns the read cache off; so 2 × CHANGES_HEARTBEAT_SECONDS (1 s here),
   * plus 1 s for the probe's own request on a loaded machine.
   */
  boundMs?: number;
  /** How often RSS and descriptors are sampled. */
  sampleMs?: number;
  /** Concurrent reader loops. */
  readers?: number;
  /** Live versions the deleter keeps the registry at (uploads above it are deleted). */
  liveTarget?: number;
  /** Progress lines (the CLI prints them; the test keeps quiet). */
  progress?: (line: string) => void;
}

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

const ADMIN_TOKEN = 'soak-admin-token-0123456789abcdef';
const MODULES = ['example.com/soak/alpha', 'example.com/soak/beta', 'example.com/soak/gamma', 'example.com/soak/delta'];
const MiB = 1024;

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

const round = (x: number) => Math.round(x * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
const basic = (secret: string) => ({ Authorization: 'Basic ' + Buffer.from(`soak:${secret}`).toString('base64') });
const ADMIN = { Authorization: `Bearer ${ADMIN_TOKEN}` };

interface Proc {
  name: string;
  reg: RegistryProcess;
}

interface Known extends PublishedVersion {
  ackAt: number;
}

async function procSample(pid: number): Promise<{ rssKiB: number; fds: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
  const fds = (await readdir(`/proc/${pid}/fd`)).length;
  return { rssKiB, fds };
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const { durationMs, boundMs = 3000, sampleMs = Math.max(250, Math.floor(durationMs / 600)), readers = 3, liveTarget = 120 } = options;
  const progress = options.progress ?? (() => {});
  const loadStart = os.loadavg();
  const { dir, remove } = await tempDir('soak');
  const pg = await startPostgres();
  const procs: Proc[] = [];
  try {
    const env = {
      DATABASE_URL: await pg.createDatabase('soak'),
      STORAGE_DIR: path.join(dir, 'storage'),
      REGISTRY_ADMIN_TOKEN: ADMIN_TOKEN,
      // The sweeper runs often, with a short grace period, so it races the other process's uploads.
      SWEEP_INTERVAL_SECONDS: '5',
      SWEEP_GRACE_SECONDS: '2',
      CHANGES_HEARTBEAT_SECONDS: '1',
      // Replicas of one registry sign its checksum database with one key.
      SUMDB_SIGNING_KEY: generateKey('go-registry').skey,
    };
    for (const name of ['a', 'b']) {
      const reg = await startRegistryProcess({ ...env, DATA_DIR: path.join(dir, `data-${name}`) }, 60_000, { logFile: path.join(dir, `${name}.log`) });
      procs.push({ name, reg });
    }
    return await soak(procs, { durationMs, boundMs, sampleMs, readers, liveTarget, progress, dir, loadStart });
  } finally {
    for (const p of procs) await p.reg.stop();
    await pg.stop();
    await remove();
  }
}

interface Run {
  durationMs: number;
  boundMs: number;
  sampleMs: number;
  readers: number;
  liveTarget: number;
  progress: (line: string) => void;
  dir: string;
  loadStart: number[];
}

async function soak(procs: Proc[], run: Run): Promise<SoakReport> {
  const { boundMs } = run;
  const [a, b] = procs as [Proc, Proc];
  const requests: Record<string, Record<string, number>> = {};
  const violations: string[] = [];
  let violationCount = 0;
  const violation = (msg: string) => {
    violationCount++;
    if (violations.length < 50) violations.push(msg);
    run.progress(`violation: ${msg}`);
  };
  const delays: Record<string, number[]> = {};
  const overBound: Record<string, number> = {};

  /** One request, counted by kind and status; a 5xx or a failed connection is a violation. */
  const call = async (kind: string, proc: Proc, pathAndQuery: string, init: RequestInit = {}): Promise<{ status: number; body: Buffer }> => {
    const counts = (requests[kind] ??= {});
    try {
      const res = await fetch(proc.reg.url + pathAndQuery, init);
      const body = Buffer.from(await res.arrayBuffer());
      counts[res.status] = (counts[res.status] ?? 0) + 1;
      if (res.status >= 500) violation(`${kind} ${init.method ?? 'GET'} ${pathAndQuery} on ${proc.name}: ${res.status} ${body.toString().slice(0, 200)}`);
      return { status: res.status, body };
    } catch (err) {
      counts.error = (counts.error ?? 0) + 1;
      violation(`${kind} ${init.method ?? 'GET'} ${pathAndQuery} on ${proc.name}: ${(err as Error).message}`);
      return { status: 0, body: Buffer.alloc(0) };
    }
  };

  /**
   * After an acknowledged write on `writer`: the writer must see it at its first read, the other
   * process within the bound. Polls both until they do (at most 10 × the bound) and records the delay.
   */
  const converge = async (kind: string, writer: Proc, seen: (p: Proc) => Promise<boolean>, ackAt: number) => {
    if (!(await seen(writer))) violation(`${kind}: ${writer.name}, which acknowledged it, did not see it at once`);
    const other = writer === a ? b : a;
    for (;;) {
      if (await seen(other)) break;
      if (Date.now() - ackAt > 10 * boundMs) break;
      await sleep(5);
    }
    const delay = Date.now() - ackAt;
    (delays[kind] ??= []).push(delay);
    if (delay > boundMs) {
      overBound[kind] = (overBound[kind] ?? 0) + 1;
      violation(`${kind}: ${other.name} saw it only after ${delay} ms (bound ${boundMs} ms)`);
    }
    // The writer too, once more: what it saw at once must not have reverted.
    if (!(await seen(writer))) violation(`${kind}: ${writer.name} stopped seeing its own write`);
  };

  const base = (owner: string, modulePath: string) => `/api/packages/${owner}/go/${escapeCase(modulePath)}`;
  const key = (v: PublishedVersion) => `${v.owner}/${v.modulePath}@${v.version}`;
  const list = async (kind: string, p: Proc, owner: string, modulePath: string, headers: Record<string, string>) => {
    const res = await call(kind, p, `${base(owner, modulePath)}/@v/list`, { headers });
    return res.status === 200 ? res.body.toString().split('\n').filter(Boolean) : res.status === 404 ? [] : undefined;
  };

  // Owners: two that hold the uploaded modules (one public, one private with a standing read token),
  // one whose visibility flips, one whose tokens churn.
  await createOwner(a.reg.url, ADMIN_TOKEN, 'soak-public', 'public');
  await createOwner(a.reg.url, ADMIN_TOKEN, 'soak-private', 'private');
  await createOwner(a.reg.url, ADMIN_TOKEN, 'soak-flip', 'public');
  await createOwner(a.reg.url, ADMIN_TOKEN, 'soak-tokens', 'private');
  const readerSecret = await createToken(a.reg.url, ADMIN_TOKEN, 'soak-private', 'reader', ['read']);
  const OWNERS = ['soak-public', 'soak-private'];

  const live = new Map<string, Known>();
  const uploading = new Set<string>();
  /** Uploads whose convergence is being measured: not deleted meanwhile. */
  const converging = new Set<string>();
  const deleting = new Set<string>();
  const deleted = new Map<string, Known & { deletedAt: number }>();
  let published = 0;
  let versionCounter = 0;

  const makeZip = (modulePath: string, version: string) => {
    const filler = Buffer.alloc(256 + Math.floor(Math.random() * 16_384), version).toString('base64');
    return zipBytes(
      moduleEntries(modulePath, version, {
        'go.mod': `module ${modulePath}\n\ngo 1.21\n`,
        'lib.go': `package lib\n\nconst Version = "${version}"\n\n// ${filler}\n`,
      }),
    );
  };

  const upload = async (p: Proc, owner: string, modulePath: string, version: string): Promise<Known | undefined> => {
    const zip = makeZip(modulePath, version);
    const v: PublishedVersion = { owner, modulePath, version, zipSha256: sha256(zip) };
    uploading.add(key(v));
    const res = await call('upload', p, `/api/packages/${owner}/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: ADMIN });
    uploading.delete(key(v));
    if (res.status !== 201) {
      violation(`upload ${key(v)} on ${p.name}: ${res.status} ${res.body.toString().slice(0, 200)}`);
      return undefined;
    }
    const known = { ...v, ackAt: Date.now() };
    live.set(key(v), known);
    published++;
    return known;
  };

  // Fixed versions the visibility and token probes read.
  const flipVersion = (await upload(a, 'soak-flip', 'example.com/soak/flip', 'v1.0.0'))!;
  const tokenVersion = (await upload(a, 'soak-tokens', 'example.com/soak/tokens', 'v1.0.0'))!;
  const fixed = new Set([key(flipVersion), key(tokenVersion)]);

  // Warm-up, before the clock and the samples start: more distinct versions than either process keeps
  // files open for (128) and their zips read on both, so the first third of the samples is not a fill-up.
  for (let i = 0; i < run.liveTarget + 40; i++) {
    const v = await upload(procs[i % 2]!, pick(OWNERS), pick(MODULES), `v0.0.${i}`);
    if (v) for (const p of procs) await call('warm-up', p, `${base(v.owner, v.modulePath)}/@v/${v.version}.zip`, { headers: ADMIN });
  }

  const samples: Record<string, Samples> = Object.fromEntries(procs.map((p) => [p.name, { pid: p.reg.pid, rssKiB: [], fds: [] }]));
  const deadline = Date.now() + run.durationMs;
  const running = () => Date.now() < deadline;

  const publisher = async () => {
    while (running()) {
      const p = pick(procs);
      const owner = pick(OWNERS);
      const modulePath = pick(MODULES);
      // A steady state: no more uploads while the deleter is behind.
      if (live.size > run.liveTarget + 30) {
        await sleep(10);
        continue;
      }
      const version = `v1.${Math.floor(versionCounter / 1000)}.${versionCounter++ % 1000}`;
      const k = `${owner}/${modulePath}@${version}`;
      converging.add(k);
      const known = await upload(p, owner, modulePath, version);
      if (known) await converge('upload', p, async (q) => (await list('probe:list', q, owner, modulePath, ADMIN))?.includes(version) ?? false, known.ackAt);
      converging.delete(k);
    }
  };

  const deleter = async () => {
    while (running()) {
      const candidates = [...live.values()].filter((v) => !fixed.has(key(v)) && !deleting.has(key(v)) && !converging.has(key(v)));
      if (candidates.length <= run.liveTarget) {
        await sleep(20);
        continue;
      }
      const v = pick(candidates);
      const p = pick(procs);
      deleting.add(key(v));
      const res = await call('delete', p, `${base(v.owner, v.modulePath)}/@v/${escapeCase(v.version)}`, { method: 'DELETE', headers: ADMIN });
      if (res.status !== 204) {
        violation(`delete ${key(v)} on ${p.name}: ${res.status} ${res.body.toString().slice(0, 200)}`);
        deleting.delete(key(v));
        continue;
      }
      const deletedAt = Date.now();
      live.delete(key(v));
      deleted.set(key(v), { ...v, deletedAt });
      deleting.delete(key(v));
      await converge(
        'delete',
        p,
        async (q) => {
          const listed = await list('probe:list', q, v.owner, v.modulePath, ADMIN);
          if (listed === undefined || listed.includes(v.version)) return false;
          return (await call('probe:zip', q, `${base(v.owner, v.modulePath)}/@v/${escapeCase(v.version)}.zip`, { headers: ADMIN })).status === 404;
        },
        deletedAt,
      );
    }
  };

  const tokenInfo = `${base(tokenVersion.owner, tokenVersion.modulePath)}/@v/v1.0.0.info`;
  const tokenChurn = async () => {
    for (let i = 0; running(); i++) {
      const p = pick(procs);
      const name = `churn-${i}`;
      const created = await call('token:create', p, `/api/admin/owners/soak-tokens/tokens/${name}`, {
        method: 'PUT',
        headers: { ...ADMIN, 'Content-Type': 'application/json' },
        body: JSON.stringify({ scopes: ['read'] }),
      });
      if (created.status !== 201) {
        violation(`token create on ${p.name}: ${created.status} ${created.body.toString().slice(0, 200)}`);
        continue;
      }
      const secret = String((JSON.parse(created.body.toString()) as { token: string }).token);
      await converge('token:create', p, async (q) => (await call('probe:token', q, tokenInfo, { headers: basic(secret) })).status === 200, Date.now());
      const q = pick(procs);
      const revoked = await call('token:revoke', q, `/api/admin/owners/soak-tokens/tokens/${name}`, { method: 'DELETE', headers: ADMIN });
      if (revoked.status !== 204) {
        violation(`token revoke on ${q.name}: ${revoked.status}`);
        continue;
      }
      await converge('token:revoke', q, async (r) => (await call('probe:token', r, tokenInfo, { headers: basic(secret) })).status === 401, Date.now());
      await sleep(50);
    }
  };

  const flipInfo = `${base(flipVersion.owner, flipVersion.modulePath)}/@v/v1.0.0.info`;
  const flipper = async () => {
    let visibility = 'public';
    while (running()) {
      visibility = visibility === 'public' ? 'private' : 'public';
      const p = pick(procs);
      const res = await call('visibility', p, '/api/admin/owners/soak-flip', {
        method: 'PUT',
        headers: { ...ADMIN, 'Content-Type': 'application/json' },
        body: JSON.stringify({ visibility }),
      });
      if (res.status !== 200) {
        violation(`visibility ${visibility} on ${p.name}: ${res.status} ${res.body.toString().slice(0, 200)}`);
        continue;
      }
      const expected = visibility === 'public' ? 200 : 404;
      await converge('visibility', p, async (q) => (await call('probe:visibility', q, flipInfo)).status === expected, Date.now());
      await sleep(50);
    }
  };

  /** Lists a module somewhere and downloads what is listed: it must be what was published, unless deleted meanwhile. */
  const reader = async () => {
    while (running()) {
      const p = pick(procs);
      const owner = pick(OWNERS);
      const modulePath = pick(MODULES);
      const auth = pick(owner === 'soak-public' ? [ADMIN, {}] : [ADMIN, basic(readerSecret)]);
      const t0 = Date.now();
      const versions = await list('list', p, owner, modulePath, auth);
      if (versions === undefined) continue;
      const listed = new Set(versions);
      for (const v of live.values()) {
        if (v.owner === owner && v.modulePath === modulePath && v.ackAt + boundMs < t0 && !deleting.has(key(v)) && !listed.has(v.version)) {
          violation(`${key(v)}, acknowledged ${t0 - v.ackAt} ms before, is not listed on ${p.name}`);
        }
      }
      for (const version of versions.sort(() => Math.random() - 0.5).slice(0, 3)) {
        const k = `${owner}/${modulePath}@${version}`;
        const gone = deleted.get(k);
        if (gone && gone.deletedAt + boundMs < t0) violation(`${k} is listed on ${p.name} ${t0 - gone.deletedAt} ms after its delete was acknowledged`);
        const known = live.get(k) ?? gone;
        if (!known) {
          if (!uploading.has(k)) violation(`${k} is listed on ${p.name} but was never published`);
          continue;
        }
        const at = `${base(owner, modulePath)}/@v/${escapeCase(version)}`;
        const kind = pick(['info', 'mod', 'zip', 'zip']);
        const res = await call(kind, p, `${at}.${kind}`, { headers: auth });
        if (res.status === 200) {
          if (kind === 'zip' && sha256(res.body) !== known.zipSha256) violation(`${k}.zip on ${p.name} is not the published zip`);
        } else if (!(res.status === 404 && (deleting.has(k) || deleted.has(k)))) {
          violation(`${k} is listed on ${p.name} but its .${kind} answers ${res.status}`);
        }
      }
    }
  };

  const sampler = async () => {
    while (running()) {
      for (const p of procs) {
        const s = await procSample(p.reg.pid);
        samples[p.name]!.rssKiB.push(s.rssKiB);
        samples[p.name]!.fds.push(s.fds);
      }
      await sleep(run.sampleMs);
    }
  };

  const reporter = async () => {
    const started = Date.now();
    while (running()) {
      await sleep(Math.min(60_000, run.durationMs / 5));
      const total = Object.values(requests).reduce((n, c) => n + Object.values(c).reduce((m, x) => m + x, 0), 0);
      const mem = procs.map((p) => `${p.name} ${Math.round((samples[p.name]!.rssKiB.at(-1) ?? 0) / MiB)} MiB/${samples[p.name]!.fds.at(-1)} fds`).join(', ');
      run.progress(`${Math.round((Date.now() - started) / 1000)} s: ${total} requests, ${live.size} live versions, ${violationCount} violations; ${mem}`);
    }
  };

  await Promise.all([publisher(), deleter(), tokenChurn(), flipper(), sampler(), reporter(), ...Array.from({ length: run.readers }, reader)]);

  // At rest: both processes serve exactly what is live, and none of what was deleted.
  const absent = [...deleted.values()].slice(-200);
  for (const p of procs) {
    try {
      await checkServed(p.reg.url, { present: [...live.values()], absent }, ADMIN);
    } catch (err) {
      violation(`at the end, ${p.name}: ${(err as Error).message}`);
    }
  }
  const blobFilesAtEnd = (await storedFiles(path.join(run.dir, 'storage'))).blobs.length;

  const processes: SoakReport['processes'] = {};
  for (const p of procs) {
    const s = samples[p.name]!;
    const leveling = levelsOff(s);
    if (!leveling.ok) violation(`${p.name}: RSS or descriptors do not level off (${JSON.stringify(leveling)})`);
    processes[p.name] = { ...s, leveling };
  }
  let errorLogLines = 0;
  let listenerLost = 0;
  for (const p of procs) {
    const log = await readFile(path.join(run.dir, `${p.name}.log`), 'utf8').catch(() => '');
    for (const line of log.split('\n')) {
      if (line.includes('change notifications lost')) listenerLost++;
      if (/"level":(50|60)/.test(line)) {
        errorLogLines++;
        violation(`${p.name} logged an error: ${line.slice(0, 300)}`);
      }
    }
  }
  const convergence: Record<string, Convergence> = {};
  for (const [kind, ds] of Object.entries(delays)) {
    const sorted = [...ds].sort((x, y) => x - y);
    convergence[kind] = { count: ds.length, maxMs: sorted.at(-1) ?? 0, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), overBound: overBound[kind] ?? 0 };
  }
  return {
    seconds: Math.round(run.durationMs / 1000),
    boundMs,
    requests,
    totalRequests: Object.values(requests).reduce((n, c) => n + Object.values(c).reduce((m, x) => m + x, 0), 0),
    convergence,
    processes,
    versions: { published, deleted: deleted.size, liveAtEnd: live.size, blobFilesAtEnd },
    errorLogLines,
    listenerLost,
    loadAverage: { start: run.loadStart.map(round), end: os.loadavg().map(round) },
    criterion: LEVELING_CRITERION,
    violations,
    violationCount,
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
