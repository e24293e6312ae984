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
import os from 'node:os';
import path from 'node:path';
import { escapeCase } from '../../registry/domain/case-encoding.js';
import { createOwner, createToken } from '../support/admin-api.js';
import { tempDir } from '../support/paths.js';
import { startPostgres } from '../support/postgres-cluster.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';
import { checkServed, sha256, storedFiles, type PublishedVersion } from '../support/served-state.js';
import { moduleEntries, zipBytes } from '../support/zip-writer.js';
import { finishReport, procSample, scanLogs, totalRequests, Violations, type Samples, type SoakReport } from './soak-report.js';

export type { SoakReport };

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

const ADMIN_TOKEN = 'soak-admin-token-0123456789abcdef';
const MODULES = ['example.com/soak/alpha', 'example.com/soak/beta', 'example.com/soak/gamma', 'example.com/soak/delta'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const basic = (secret: string) => ({ Authorization: 'Basic ' + Buffer.from(`soak:${secret}`).toString('base64') });
const ADMIN = { Authorization: `Bearer ${ADMIN_TOKEN}` };

interface Proc {
  name: string;
  reg: RegistryProcess;
}

interface Known extends PublishedVersion {
  ackAt: number;
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

/** The options with their defaults filled in, and what runSoak set up. */
type Run = Required<Omit<SoakOptions, 'progress'>> & { progress: (line: string) => void; dir: string; loadStart: number[] };

async function soak(procs: Proc[], run: Run): Promise<SoakReport> {
  const { boundMs } = run;
  const [a, b] = procs as [Proc, Proc];
  const requests: Record<string, Record<string, number>> = {};
  const violations = new Violations(run.progress);
  const violation = (msg: string) => violations.add(msg);
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
      const mem = procs.map((p) => `${p.name} ${Math.round((samples[p.name]!.rssKiB.at(-1) ?? 0) / 1024)} MiB/${samples[p.name]!.fds.at(-1)} fds`).join(', ');
      run.progress(`${Math.round((Date.now() - started) / 1000)} s: ${totalRequests(requests)} requests, ${live.size} live versions, ${violations.count} violations; ${mem}`);
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

  return finishReport({
    seconds: Math.round(run.durationMs / 1000),
    boundMs,
    requests,
    samples,
    delays,
    overBound,
    versions: { published, deleted: deleted.size, liveAtEnd: live.size, blobFilesAtEnd },
    logs: await scanLogs(run.dir, procs.map((p) => p.name)),
    loadStart: run.loadStart,
    violations,
  });
}
