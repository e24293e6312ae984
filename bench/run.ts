/**
 * `npm run bench`: the registry side by side with nginx (the physical limit), a
 * trivial Koa handler (the framework's ceiling), Athens (the peer) and
 * `GOPROXY=file://` (the client-side limit), all on loopback in one run. Writes
 * bench/results/latest.json and latest.md (and <BENCH_LABEL>.json/.md).
 *
 * BENCH_QUICK=1: small corpus, short runs. BENCH_LABEL=before|after: names the run;
 * an `after` table shows the `before` figures beside it. BENCH_PROFILE=1: the PGlite
 * registry writes a V8 CPU profile into bench/results/profiles/. BENCH_TARGETS=koa,nginx,pglite
 * runs a subset, BENCH_SCENARIOS=info,zipBig only those (for iterating; the ratios need all).
 * The `workers` target is the registry on PostgreSQL with WORKERS=auto (one process per CPU).
 * The `proxy` target is issue 16's pull-through comparison (lib/pull-through.ts).
 * The `ab` target (not in the default set) compares the registry with itself under two
 * environments, alternating (lib/ab.ts); BENCH_AB=name,… picks comparisons.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createToken } from '../test/support/admin-api.js';
import { REPO_ROOT, tempDir } from '../test/support/paths.js';
import { startPostgres } from '../test/support/postgres-cluster.js';
import { createTestCa } from '../test/support/test-ca.js';
import { FULL_SHAPE, generateCorpus, QUICK_SHAPE, type Corpus } from './lib/corpus.js';
import { HAND_MADE, runComparisons } from './lib/ab.js';
import { goClientRoot, goModDownloadAll } from './lib/go-download.js';
import { benchPullThrough } from './lib/pull-through.js';
import { ADMIN_TOKEN, startRegistry, uploadCorpus } from './lib/registry-target.js';
import { computeRatios, markdown, type BenchResults } from './lib/report.js';
import { scenarios, type Scenario } from './lib/scenarios.js';
import { PREFIX, startAthens, startNginx, startTrivialKoa } from './lib/servers.js';
import { ensureAthens, ensureDebianTools, toolVersions, ATHENS_VERSION } from './lib/tools.js';
import { generateBigZip, measureUpload } from './lib/upload-scenario.js';
import { load, type LoadResult } from './lib/wrk.js';

const QUICK = process.env.BENCH_QUICK === '1';
const LABEL = process.env.BENCH_LABEL ?? 'latest';
const SETTINGS = QUICK ? { seconds: 3, warmupSeconds: 1, goRuns: 1 } : { seconds: 10, warmupSeconds: 3, goRuns: 5 };
const UPLOAD_MIB = Number(process.env.BENCH_ZIP_MIB ?? (QUICK ? 64 : 300));
const RESULTS = path.join(REPO_ROOT, 'bench', 'results');
const MiB = 1024 * 1024;
/** BENCH_TARGETS=koa,nginx,athens,pglite,postgres,workers,proxy(,ab): run only these (iterating); default all. */
const TARGETS = new Set((process.env.BENCH_TARGETS ?? 'koa,nginx,athens,pglite,postgres,workers,proxy').split(','));
/** BENCH_SCENARIOS=info,zipBig: only these read scenarios (and no go client, no upload). */
const SCENARIOS = process.env.BENCH_SCENARIOS?.split(',');

interface Ctx {
  wrk: string;
  corpus: Corpus;
  work: string;
  results: BenchResults;
  token?: string;
  /** Where the go client's runs go (a tmpfs when there is one). */
  goDir: string;
}

async function runLoad(c: Ctx, target: string, baseUrl: string, prefix: string, which: Scenario[], serverPid?: number): Promise<void> {
  const byScenario: Record<string, LoadResult> = (c.results.load[target] ??= {});
  for (const s of which) {
    if ((s.withToken && !c.token) || (SCENARIOS && !SCENARIOS.includes(s.name))) continue;
    const headers = s.withToken ? { Authorization: `Basic ${Buffer.from(`bench:${c.token}`).toString('base64')}` } : undefined;
    const r = await load({ wrk: c.wrk, baseUrl, paths: s.paths(prefix), connections: s.connections, seconds: SETTINGS.seconds, warmupSeconds: SETTINGS.warmupSeconds, headers, workDir: c.work, serverPid });
    byScenario[s.name] = r;
    const mbs = (r.bytesPerSecond / 1e6).toFixed(0);
    console.log(`  ${target.padEnd(22)} ${s.name.padEnd(10)} ${String(r.requestsPerSecond).padStart(7)} req/s ${mbs.padStart(5)} MB/s p50 ${r.p50Ms.toFixed(2)} ms p99 ${r.p99Ms.toFixed(2)} ms${r.cpuMicrosPerRequest === undefined ? '' : ` cpu ${r.cpuMicrosPerRequest} µs/req`}${r.errors ? ` errors ${r.errors}` : ''}`);
  }
}

/** One registry configuration: start, fill, read scenarios, go client, optionally TLS and upload. */
async function benchRegistry(c: Ctx, name: string, databaseUrl: string | undefined, tls: { certFile: string; keyFile: string }, workers?: 'auto'): Promise<void> {
  const dataDir = path.join(c.work, name);
  const nodeArgs = process.env.BENCH_PROFILE === '1' && name === 'pglite' ? ['--cpu-prof', `--cpu-prof-dir=${path.join(RESULTS, 'profiles')}`] : [];
  const logFile = path.join(c.work, `registry-${name}.log`);
  let registry = await startRegistry({ dataDir, databaseUrl, logFile, nodeArgs, workers });
  const target = `registry-${name}`;
  try {
    const up = await uploadCorpus(registry.url, c.corpus);
    c.results.corpus.uploadSeconds[name] = Math.round(up.seconds * 10) / 10;
    console.log(`${target}: uploaded ${up.uploads} zips in ${up.seconds.toFixed(1)} s`);
    c.token = await createToken(registry.url, ADMIN_TOKEN, 'bench', 'bench-reader', ['read']);
    await runLoad(c, target, registry.url, PREFIX, scenarios(c.corpus), registry.pid);
    if (!SCENARIOS) {
      const d = await goModDownloadAll(path.join(c.goDir, name), `${registry.url}${PREFIX}`, c.corpus.consumerGoMod, SETTINGS.goRuns, `file://${c.corpus.tree}`);
      c.results.goDownload[target] = d;
      console.log(`  ${target} go mod download all: ${d.seconds} s (${d.ratioToFile} × the file:// runs beside it)`);
    }
    if (name === 'pglite' && !SCENARIOS) {
      const zip = path.join(c.work, 'upload.zip');
      await generateBigZip(zip, UPLOAD_MIB * MiB);
      c.results.upload = await measureUpload(registry.url, registry.pid, 'bench', ADMIN_TOKEN, zip, c.work);
      console.log(`  upload ${UPLOAD_MIB} MiB: ${c.results.upload.megabytesPerSecond} MB/s, RSS growth ${c.results.upload.rssPeakGrowthMiB} MiB`);
      // The same data over TLS (PGlite keeps one process per folder: restart with TLS).
      await registry.stop();
      registry = await startRegistry({ dataDir, logFile, tls });
      const tlsScenarios = scenarios(c.corpus).filter((s) => ['info', 'mod', 'list', 'zipBig'].includes(s.name));
      await runLoad(c, `${target}-tls`, registry.url, PREFIX, tlsScenarios, registry.pid);
    }
  } finally {
    await registry.stop();
  }
}

/** nginx plain and TLS, and the client-side figures: go against file:// and against nginx. */
async function benchNginx(c: Ctx, nginx: string, tls: { certFile: string; keyFile: string }, stops: Array<() => Promise<void>>): Promise<void> {
  const all = scenarios(c.corpus).filter((s) => !s.withToken && !s.registryOnly);
  const ng = await startNginx(nginx, c.corpus, path.join(c.work, 'nginx'), tls);
  stops.push(() => ng.http.stop());
  await runLoad(c, 'nginx', ng.http.url, PREFIX, all, ng.http.pid);
  await runLoad(c, 'nginx-tls', ng.httpsUrl, PREFIX, all.filter((s) => ['info', 'mod', 'list', 'zipBig'].includes(s.name)), ng.http.pid);
  const { goDownload } = c.results;
  if (SCENARIOS) return ng.http.stop();
  goDownload.file = await goModDownloadAll(path.join(c.goDir, 'file'), `file://${c.corpus.tree}`, c.corpus.consumerGoMod, SETTINGS.goRuns);
  goDownload.nginx = await goModDownloadAll(path.join(c.goDir, 'nginx'), `${ng.http.url}${PREFIX}`, c.corpus.consumerGoMod, SETTINGS.goRuns, `file://${c.corpus.tree}`);
  console.log(`  go mod download all: file:// ${goDownload.file.seconds} s, nginx ${goDownload.nginx.seconds} s (${goDownload.nginx.ratioToFile} × file://)`);
  await ng.http.stop();
}

async function main(): Promise<void> {
  const { nginx, wrk } = await ensureDebianTools();
  const athensBuild = await ensureAthens();
  const { dir: work, remove } = await tempDir('bench');
  const goRoot = await goClientRoot(work);
  const stops: Array<() => Promise<void>> = [];
  try {
    console.log(`bench: generating the corpus (${QUICK ? 'quick' : 'full'})…`);
    const corpus = await generateCorpus(path.join(work, 'corpus'), QUICK ? QUICK_SHAPE : FULL_SHAPE);
    const ca = await createTestCa(await mkdir(path.join(work, 'ca'), { recursive: true }).then(() => path.join(work, 'ca')));
    const tls = await ca.issue('server');
    const results: BenchResults = {
      label: LABEL,
      date: new Date().toISOString(),
      quick: QUICK,
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), loadAverage: os.loadavg() },
      versions: { ...(await toolVersions(nginx, wrk)), athens: athensBuild.binary ? ATHENS_VERSION : 'unavailable' },
      corpus: {
        modules: corpus.graph.length + 2,
        versions: corpus.graph.reduce((n, m) => n + m.versions.length, 0) + 2,
        zipBytes: corpus.totalBytes,
        bigZipBytes: corpus.zipBig.versions[0]!.zipBytes,
        uploadSeconds: {},
      },
      settings: { ...SETTINGS, goClientOn: goRoot.onTmpfs ? 'tmpfs' : 'disk' },
      athens: athensBuild.binary ? { available: true } : { available: false, error: athensBuild.error },
      load: {},
      goDownload: {},
      ratios: [],
    };
    const c: Ctx = { wrk, corpus, work, results, goDir: goRoot.dir };
    const all = scenarios(corpus);
    const only = (names: string[]) => all.filter((s) => names.includes(s.name));

    console.log('baselines:');
    if (TARGETS.has('koa')) {
      const koa = await startTrivialKoa();
      stops.push(() => koa.stop());
      await runLoad(c, 'trivial-koa', koa.url, PREFIX, only(['info']), koa.pid);
      await koa.stop();
    }
    if (TARGETS.has('nginx')) await benchNginx(c, nginx, tls, stops);
    if (athensBuild.binary && TARGETS.has('athens')) {
      const athens = await startAthens(athensBuild.binary, corpus, path.join(work, 'athens'));
      stops.push(() => athens.stop());
      await runLoad(c, 'athens', athens.url, '', all.filter((s) => !s.withToken && !s.registryOnly), athens.pid);
      results.goDownload.athens = await goModDownloadAll(path.join(c.goDir, 'athens'), athens.url, corpus.consumerGoMod, SETTINGS.goRuns, `file://${corpus.tree}`);
      await athens.stop();
    } else if (!athensBuild.binary) {
      console.log(`  Athens: unavailable (${athensBuild.error})`);
    }
    if (TARGETS.has('pglite')) {
      console.log('registry on PGlite:');
      await benchRegistry(c, 'pglite', undefined, tls);
    }
    if (TARGETS.has('postgres') || TARGETS.has('workers')) {
      const pg = await startPostgres();
      stops.push(() => pg.stop());
      if (TARGETS.has('postgres')) {
        console.log('registry on PostgreSQL 15:');
        await benchRegistry(c, 'postgres', await pg.createDatabase('bench'), tls);
      }
      if (TARGETS.has('workers')) {
        console.log('registry on PostgreSQL 15, WORKERS=auto:');
        await benchRegistry(c, 'postgres-workers', await pg.createDatabase('bench_workers'), tls, 'auto');
      }
      await pg.stop();
    }
    if (TARGETS.has('proxy')) {
      console.log('pull-through cache: go mod download all from nginx, the registry\'s /go and Athens (upstream = nginx):');
      const ng = await startNginx(nginx, corpus, path.join(work, 'nginx-upstream'), tls);
      stops.push(() => ng.http.stop());
      // BENCH_PROXY_DB=postgres: the caching registry on PostgreSQL 15 instead of PGlite.
      const pg = process.env.BENCH_PROXY_DB === 'postgres' ? await startPostgres() : undefined;
      if (pg) stops.push(() => pg.stop());
      results.pullThrough = await benchPullThrough({
        corpus, work, goDir: c.goDir, wrk, upstream: `${ng.http.url}${PREFIX}`, upstreamPid: ng.http.pid, athensBinary: athensBuild.binary,
        database: pg && ((name) => pg.createDatabase(name)),
        rounds: QUICK ? 1 : 5, seconds: SETTINGS.seconds, warmupSeconds: SETTINGS.warmupSeconds,
      });
      await ng.http.stop();
      await pg?.stop();
      results.pullThrough.database = pg ? 'postgres' : 'pglite';
    }
    if (TARGETS.has('ab')) {
      console.log('A/B, the registry against itself (PostgreSQL 15):');
      const pg = await startPostgres();
      stops.push(() => pg.stop());
      const rounds = QUICK ? 2 : 4;
      results.ab = await runComparisons(
        { corpus, work, goDir: c.goDir, wrk, databaseUrl: await pg.createDatabase('bench_ab'), rounds, goRounds: QUICK ? 2 : 6, seconds: SETTINGS.seconds, warmupSeconds: SETTINGS.warmupSeconds },
        HAND_MADE.filter((x) => !process.env.BENCH_AB || process.env.BENCH_AB.split(',').includes(x.name)),
      );
      await pg.stop();
    }

    results.ratios = computeRatios(results);
    await mkdir(RESULTS, { recursive: true });
    const before = LABEL === 'before' ? undefined : await readFile(path.join(RESULTS, 'before.json'), 'utf8').then((t) => JSON.parse(t) as BenchResults, () => undefined);
    const md = markdown(results, before);
    for (const name of new Set(['latest', LABEL])) {
      await writeFile(path.join(RESULTS, `${name}.json`), JSON.stringify(results, null, 2) + '\n');
      await writeFile(path.join(RESULTS, `${name}.md`), md);
    }
    console.log('\n' + md);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await goRoot.remove();
    await remove();
  }
}

// `npm run bench -- scale`: the catalog-growth scenario (scale.ts) instead of the side-by-side run;
// `npm run bench -- operator`: the operator at scale (operator-scale.ts);
// `npm run bench -- cost`: warm GOPROXY answers against Node's and Koa's floors, paired (cost.ts).
const run = process.argv.includes('scale') ? import('./scale.js').then(() => undefined)
  : process.argv.includes('cost') ? import('./cost.js').then(() => undefined)
  : process.argv.includes('operator') ? import('./operator-scale.js').then(() => undefined)
  : main();
run.catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
