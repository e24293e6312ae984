/**
 * `npm run bench -- cost` (or `npm run bench:cost`): what a warm GOPROXY answer costs, paired.
 * Node's HTTP server alone (the floor), the trivial Koa handler (the framework's ceiling), and
 * the registry — on PGlite with the lean path (LEAN_GOPROXY, the default) and without it,
 * on PostgreSQL, and on PostgreSQL with WORKERS=auto — all started once, the corpus uploaded to
 * each registry, then wrk rounds over every target in turn, the order reversed each round:
 * this machine's speed drifts from one minute to the next (the ratio of two runs a minute
 * apart moved by a third), so the figures are medians over rounds that took turns.
 * CPU per request is the server's own (its worker processes included), from /proc.
 * Writes bench/results/cost.{json,md}. BENCH_QUICK=1: 3 rounds of 2 s; else 7 of 4 s.
 * BENCH_COST_TARGETS=node,koa,pglite,pglite-koa,postgres,workers runs only those;
 * BENCH_SCENARIOS=info,list only those scenarios.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createToken } from '../test/support/admin-api.js';
import { REPO_ROOT, tempDir } from '../test/support/paths.js';
import { startPostgres } from '../test/support/postgres-cluster.js';
import { generateCorpus, QUICK_SHAPE } from './lib/corpus.js';
import { ADMIN_TOKEN, startRegistry, uploadCorpus } from './lib/registry-target.js';
import { scenarios, type Scenario } from './lib/scenarios.js';
import { PREFIX, startTrivialKoa, startTrivialNode } from './lib/servers.js';
import { ensureDebianTools } from './lib/tools.js';
import { load, type LoadResult } from './lib/wrk.js';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 3 : 7;
const SECONDS = QUICK ? 2 : 4;
const SCENARIOS = process.env.BENCH_SCENARIOS?.split(',') ?? ['info', 'mod', 'list', 'latest', 'info-token'];
const TARGETS = new Set((process.env.BENCH_COST_TARGETS ?? 'node,koa,pglite,pglite-koa,postgres,workers').split(','));

interface Target {
  name: string;
  url: string;
  pid: number;
  prefix: string;
  /** Secret of a read token of the owner `bench` (registries; the floors check none). */
  token?: string;
  stop(): Promise<void>;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const { wrk } = await ensureDebianTools();
  const { dir: work, remove } = await tempDir('bench-cost');
  const targets: Target[] = [];
  const pg = await startPostgres();
  try {
    // The side-by-side run's small corpus: 30 modules of 2 versions (and two zips the scenarios here never read).
    const corpus = await generateCorpus(path.join(work, 'corpus'), { ...QUICK_SHAPE, bigZip: 1024 * 1024 });
    const registry = async (name: string, env: Record<string, string>, databaseUrl?: string, workers?: 'auto') => {
      const reg = await startRegistry({ dataDir: path.join(work, name), logFile: path.join(work, `${name}.log`), env, databaseUrl, workers });
      await uploadCorpus(reg.url, corpus);
      const token = await createToken(reg.url, ADMIN_TOKEN, 'bench', 'bench-reader', ['read']);
      targets.push({ name, url: reg.url, pid: reg.pid, prefix: PREFIX, token, stop: () => reg.stop() });
    };
    for (const [key, name, start] of [['node', 'node:http', startTrivialNode], ['koa', 'trivial Koa', startTrivialKoa]] as const) {
      if (!TARGETS.has(key) && key !== 'koa') continue; // the ratios are to Koa's
      const s = await start();
      targets.push({ name, url: s.url, pid: s.pid, prefix: PREFIX, stop: () => s.stop() });
    }
    if (TARGETS.has('pglite')) await registry('registry, PGlite', {});
    if (TARGETS.has('pglite-koa')) await registry('registry, PGlite, LEAN_GOPROXY=false', { LEAN_GOPROXY: 'false' });
    if (TARGETS.has('postgres')) await registry('registry, PostgreSQL', {}, await pg.createDatabase('single'));
    if (TARGETS.has('workers')) await registry('registry, PostgreSQL, WORKERS=auto', {}, await pg.createDatabase('workers'), 'auto');

    const chosen = scenarios(corpus).filter((s) => SCENARIOS.includes(s.name));
    const results: Record<string, Record<string, LoadResult[]>> = {};
    const run = async (t: Target, s: Scenario, seconds: number, warmupSeconds = 0) => {
      // The floors ignore the header; they answer the same request.
      const headers = s.withToken ? { Authorization: `Basic ${Buffer.from(`bench:${t.token ?? 'not-checked'}`).toString('base64')}` } : undefined;
      return load({ wrk, baseUrl: t.url, paths: s.paths(t.prefix), connections: s.connections, seconds, warmupSeconds, workDir: work, serverPid: t.pid, headers });
    };
    for (const s of chosen) {
      console.log(`cost: ${s.name}, ${ROUNDS} rounds over ${targets.length} targets…`);
      for (const t of targets) await run(t, s, 1, 1); // warm: the JIT, the caches
      for (let round = 0; round < ROUNDS; round++) {
        for (const t of round % 2 ? [...targets].reverse() : targets) {
          ((results[s.name] ??= {})[t.name] ??= []).push(await run(t, s, SECONDS));
        }
      }
    }
    const report = Object.entries(results).map(([scenario, byTarget]) => {
      const koaCpu = median(byTarget['trivial Koa']!.map((r) => r.cpuMicrosPerRequest!));
      const koaRps = median(byTarget['trivial Koa']!.map((r) => r.requestsPerSecond));
      return {
        scenario,
        targets: Object.entries(byTarget).map(([target, rs]) => {
          const cpu = median(rs.map((r) => r.cpuMicrosPerRequest!));
          const rps = median(rs.map((r) => r.requestsPerSecond));
          return { target, cpuMicrosPerRequest: cpu, cpuRatioToKoa: Math.round((cpu / koaCpu) * 100) / 100, requestsPerSecond: rps, rpsRatioToKoa: Math.round((rps / koaRps) * 100) / 100, p99Ms: median(rs.map((r) => r.p99Ms)), errors: rs.reduce((n, r) => n + r.errors, 0), cpuRounds: rs.map((r) => r.cpuMicrosPerRequest!) };
        }),
      };
    });
    const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadAverage: os.loadavg() };
    const md = [
      `# Cost per request (${new Date().toISOString()}, ${QUICK ? 'quick' : 'full'}: ${ROUNDS} rounds of ${SECONDS} s, 64 connections)`,
      '',
      `Machine: ${machine.cpus} × ${machine.cpuModel}, load ${machine.loadAverage.map((l) => l.toFixed(1)).join(' ')}`,
      '',
      '| scenario | target | CPU µs/req (median) | ÷ trivial Koa | req/s | ÷ trivial Koa | p99 ms | errors |',
      '|---|---|---:|---:|---:|---:|---:|---:|',
      ...report.flatMap((r) => r.targets.map((t) => `| ${r.scenario} | ${t.target} | ${t.cpuMicrosPerRequest} | ${t.cpuRatioToKoa} | ${t.requestsPerSecond} | ${t.rpsRatioToKoa} | ${t.p99Ms} | ${t.errors} |`)),
      '',
    ].join('\n');
    const dir = path.join(REPO_ROOT, 'bench', 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'cost.json'), JSON.stringify({ date: new Date().toISOString(), quick: QUICK, rounds: ROUNDS, seconds: SECONDS, machine, report }, null, 2));
    await writeFile(path.join(dir, 'cost.md'), md);
    console.log(md);
  } finally {
    for (const t of targets) await t.stop().catch(() => {});
    await pg.stop();
    await remove();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
