/**
 * `npm run bench -- scale` (or `npm run bench:scale`): what a request costs as the catalog
 * grows. One PostgreSQL cluster; 50 public owners; modules of 10 versions each. The catalog is
 * filled through the real upload route, step by step, to 1k, 10k and 100k versions
 * (BENCH_QUICK=1: 500 and 2,000). At each step:
 *   - upload: the throughput and the registry's CPU per upload of the fill that reached it;
 *   - start: a fresh process on the database, until it listens (migrations checked, the
 *     checksum log opened, caches empty);
 *   - .info, @v/list, @latest over 5,000 versions spread over the catalog, cold (READ_CACHE_MB=0:
 *     every answer read from PostgreSQL) and warm (the default read cache, after a warm-up);
 * and at the last step one replica against two (both on the one database, load split between them).
 * Writes bench/results/scale.json and scale.md.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { createOwner } from '../test/support/admin-api.js';
import { REPO_ROOT, tempDir } from '../test/support/paths.js';
import { startPostgres } from '../test/support/postgres-cluster.js';
import { moduleEntries, zipBytes } from '../test/support/zip-writer.js';
import { ADMIN_TOKEN, startRegistry, type BenchRegistry } from './lib/registry-target.js';
import { ensureDebianTools } from './lib/tools.js';
import { load, type LoadResult } from './lib/wrk.js';

const QUICK = process.env.BENCH_QUICK === '1';
const STEPS = QUICK ? [500, 2_000] : [1_000, 10_000, 100_000];
const OWNERS = 50;
const VERSIONS_PER_MODULE = 10;
const SAMPLE = 5_000;
const LOAD = QUICK ? { seconds: 2, warmupSeconds: 1, connections: 16 } : { seconds: 5, warmupSeconds: 2, connections: 16 };
const RESULTS = path.join(REPO_ROOT, 'bench', 'results');

/** The i-th version of the catalog: owner, module path and version. */
function nth(i: number) {
  const module = Math.floor(i / VERSIONS_PER_MODULE);
  const owner = `scale-${String(module % OWNERS).padStart(2, '0')}`;
  return { owner, modulePath: `scale.example/${owner}/m${module}`, version: `v1.0.${i % VERSIONS_PER_MODULE}` };
}

function zipOf(i: number): Buffer {
  const { modulePath, version } = nth(i);
  return zipBytes(moduleEntries(modulePath, version, {
    'go.mod': `module ${modulePath}\n\ngo 1.21\n`,
    'lib.go': `package m\n\n// V is version ${version} of ${modulePath}.\nconst V = ${i}\n`,
  }));
}

async function cpuMicros(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
}

async function fill(reg: BenchRegistry, from: number, to: number, concurrency = 8) {
  const auth = `Basic ${Buffer.from(`bench:${ADMIN_TOKEN}`).toString('base64')}`;
  let next = from;
  const cpu0 = await cpuMicros(reg.pid);
  const t0 = process.hrtime.bigint();
  const worker = async () => {
    for (let i = next++; i < to; i = next++) {
      const { owner } = nth(i);
      const res = await request(`${reg.url}/api/packages/${owner}/go/upload`, {
        method: 'PUT', headers: { authorization: auth, 'content-type': 'application/zip' }, body: zipOf(i),
      });
      const text = await res.body.text();
      if (res.statusCode !== 201) throw new Error(`upload ${i}: ${res.statusCode} ${text}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const uploads = to - from;
  return { uploads, perSecond: Math.round(uploads / seconds), cpuMicrosPerUpload: Math.round(((await cpuMicros(reg.pid)) - cpu0) / uploads) };
}

/** SAMPLE versions spread evenly over the first n. */
function samplePaths(n: number, kind: 'info' | 'list' | 'latest'): string[] {
  const out: string[] = [];
  const stride = Math.max(1, Math.floor(n / SAMPLE));
  for (let i = 0; i < n && out.length < SAMPLE; i += stride) {
    const { owner, modulePath, version } = nth(i);
    const base = `/api/packages/${owner}/go/${modulePath}`;
    out.push(kind === 'info' ? `${base}/@v/${version}.info` : kind === 'list' ? `${base}/@v/list` : `${base}/@latest`);
  }
  return out;
}

type Reads = Record<string, LoadResult>;

async function main(): Promise<void> {
  const { wrk } = await ensureDebianTools();
  const { dir: work, remove } = await tempDir('bench-scale');
  const pg = await startPostgres();
  const db = pg.url;
  const started: BenchRegistry[] = [];
  const start = async (name: string, env: Record<string, string> = {}) => {
    const t0 = process.hrtime.bigint();
    const reg = await startRegistry({ dataDir: path.join(work, name), databaseUrl: db, logFile: path.join(work, `${name}.log`), env });
    started.push(reg);
    return { reg, startMs: Math.round(Number(process.hrtime.bigint() - t0) / 1e6) };
  };
  const stop = async (reg: BenchRegistry) => {
    await reg.stop();
    started.splice(started.indexOf(reg), 1);
  };
  const results: { machine: Record<string, unknown>; steps: Record<string, unknown>[]; replicas?: Record<string, unknown> } = {
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, date: new Date().toISOString(), quick: QUICK },
    steps: [],
  };
  try {
    // The writer: a sumdb key shared by every process on the database (replicas must share it).
    const { reg: writer } = await start('writer');
    for (let o = 0; o < OWNERS; o++) await createOwner(writer.url, ADMIN_TOKEN, nth(o * VERSIONS_PER_MODULE).owner, 'public');
    let have = 0;
    for (const n of STEPS) {
      const upload = await fill(writer, have, n);
      have = n;
      console.log(`scale ${n}: filled (${upload.uploads} uploads, ${upload.perSecond}/s, ${upload.cpuMicrosPerUpload} µs CPU each)`);
      const reads: Record<string, Reads> = { cold: {}, warm: {} };
      let startMs = 0;
      for (const mode of ['cold', 'warm'] as const) {
        // Every process on the database signs with the writer's generated key (DATA_DIR/sumdb-signing-key).
        const { reg, startMs: ms } = await start(`${mode}-${n}`, {
          READ_CACHE_MB: mode === 'cold' ? '0' : '64',
          SUMDB_SIGNING_KEY_FILE: path.join(work, 'writer', 'sumdb-signing-key'),
        });
        if (mode === 'cold') startMs = ms;
        for (const kind of ['info', 'list', 'latest'] as const) {
          const r = await load({ wrk, baseUrl: reg.url, paths: samplePaths(n, kind), workDir: work, serverPid: reg.pid, ...LOAD, warmupSeconds: mode === 'cold' ? 0 : LOAD.warmupSeconds });
          reads[mode]![kind] = r;
          console.log(`  ${mode} ${kind.padEnd(6)} ${String(r.requestsPerSecond).padStart(6)} req/s p50 ${r.p50Ms.toFixed(2)} ms p99 ${r.p99Ms.toFixed(2)} ms cpu ${r.cpuMicrosPerRequest} µs/req${r.errors ? ` errors ${r.errors}` : ''}`);
        }
        await stop(reg);
      }
      console.log(`  start ${startMs} ms`);
      results.steps.push({ versions: n, modules: n / VERSIONS_PER_MODULE, owners: OWNERS, upload, startMs, reads });
    }
    await stop(writer);
    results.replicas = await replicas(start, stop, wrk, work, have);
  } finally {
    for (const r of [...started]) await r.stop();
    await pg.stop();
    await remove();
  }
  await mkdir(RESULTS, { recursive: true });
  await writeFile(path.join(RESULTS, 'scale.json'), JSON.stringify(results, null, 2) + '\n');
  await writeFile(path.join(RESULTS, 'scale.md'), report(results));
  console.log(report(results));
}

/** Warm .info at the last step: one replica with all the connections, then two with half each, at once. */
async function replicas(
  start: (name: string, env?: Record<string, string>) => Promise<{ reg: BenchRegistry }>,
  stop: (reg: BenchRegistry) => Promise<void>,
  wrk: string,
  work: string,
  n: number,
) {
  const env = { SUMDB_SIGNING_KEY_FILE: path.join(work, 'writer', 'sumdb-signing-key') };
  const { reg: a } = await start('replica-a', env);
  const { reg: b } = await start('replica-b', env);
  const paths = samplePaths(n, 'info');
  const one = await load({ wrk, baseUrl: a.url, paths, workDir: work, serverPid: a.pid, ...LOAD });
  const half = { ...LOAD, connections: LOAD.connections / 2 };
  const [ra, rb] = await Promise.all([
    load({ wrk, baseUrl: a.url, paths, workDir: work, serverPid: a.pid, ...half }),
    load({ wrk, baseUrl: b.url, paths, workDir: work, serverPid: b.pid, ...half }),
  ]);
  await stop(a);
  await stop(b);
  const two = { requestsPerSecond: ra.requestsPerSecond + rb.requestsPerSecond, p99Ms: Math.max(ra.p99Ms, rb.p99Ms) };
  console.log(`replicas: one ${one.requestsPerSecond} req/s p99 ${one.p99Ms} ms; two ${two.requestsPerSecond} req/s p99 ${two.p99Ms} ms`);
  return { one: { requestsPerSecond: one.requestsPerSecond, p99Ms: one.p99Ms }, two };
}

function report(r: { machine: Record<string, unknown>; steps: Record<string, unknown>[]; replicas?: Record<string, unknown> }): string {
  const lines = [`# Scale: cost per request as the catalog grows`, '', `${JSON.stringify(r.machine)}`, '',
    '| versions | upload/s | CPU µs/upload | start ms | cache | .info req/s · p99 ms · CPU µs | @v/list | @latest |',
    '| ---: | ---: | ---: | ---: | --- | --- | --- | --- |'];
  for (const s of r.steps as { versions: number; upload: { perSecond: number; cpuMicrosPerUpload: number }; startMs: number; reads: Record<string, Reads> }[]) {
    for (const mode of ['cold', 'warm']) {
      const cell = (k: string) => {
        const x = s.reads[mode]![k]!;
        return `${x.requestsPerSecond} · ${x.p99Ms.toFixed(1)} · ${x.cpuMicrosPerRequest}`;
      };
      const first = mode === 'cold';
      lines.push(`| ${first ? s.versions : ''} | ${first ? s.upload.perSecond : ''} | ${first ? s.upload.cpuMicrosPerUpload : ''} | ${first ? s.startMs : ''} | ${mode} | ${cell('info')} | ${cell('list')} | ${cell('latest')} |`);
    }
  }
  if (r.replicas) lines.push('', `Warm .info at the last step, ${LOAD.connections} connections: ${JSON.stringify(r.replicas)}`);
  return lines.join('\n') + '\n';
}

await main();
