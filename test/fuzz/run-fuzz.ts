/**
 * `npm run fuzz`: the long runs. At least 1,000,000 cases each for the module path,
 * version and module zip targets (plus go.mod texts and zip bombs), differential against
 * golang.org/x/mod, and at least 100,000 HTTP requests against the in-process registry;
 * prints per target the cases, seed, failures and duration, and a JSON summary last.
 *
 *   FUZZ_SCALE=0.01       a hundredth of every count (a quick look)
 *   FUZZ_TARGETS=version,http   only these targets
 *   FUZZ_RUNS=n           n cases for each in-process target (to split one across processes)
 *   FUZZ_SEED=n           the first seed (default: the time); FUZZ_PATH replays a failure
 *   FUZZ_SHRINK=0         report a failure as found, without shrinking it
 *   FUZZ_DATABASE=postgres  the HTTP target on a throwaway PostgreSQL 15 cluster instead of PGlite
 */
import fc from 'fast-check';
import os from 'node:os';
import { fuzzPath, runParameters, startInProcessFuzz, type InProcessTarget } from './support/fuzz-targets.js';
import { startPostgres, type PostgresCluster } from '../support/postgres-cluster.js';
import { runHttpFuzz } from './support/http-fuzz.js';

const scale = Number(process.env.FUZZ_SCALE ?? 1);
const FULL: Record<InProcessTarget, number> = { 'module path': 1_000_000, version: 1_000_000, 'go.mod': 200_000, 'module zip': 1_000_000, 'zip bomb': 300 };
const HTTP_REQUESTS = 100_000;
const wanted = (t: string) => !process.env.FUZZ_TARGETS || process.env.FUZZ_TARGETS.split(',').includes(t);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

interface Result {
  target: string;
  cases: number;
  seed: number;
  failures: number;
  seconds: number;
  requests?: number;
  probes?: number;
  checks?: number;
  failure?: string;
}
const results: Result[] = [];

function report(r: Result): void {
  results.push(r);
  const extra = r.requests === undefined ? '' : `, ${r.requests} fuzzed requests + ${r.checks} served-state checks + ${r.probes} /healthz probes`;
  console.log(`[fuzz] ${r.target}: ${r.cases} cases${extra}, seed ${r.seed}, ${r.failures} failures, ${r.seconds.toFixed(1)} s`);
  if (r.failure) console.log(r.failure);
}

async function inProcess(): Promise<void> {
  const fuzz = await startInProcessFuzz();
  try {
    for (const [target, full] of Object.entries(FULL) as [InProcessTarget, number][]) {
      if (!wanted(target)) continue;
      const started = Date.now();
      const runs = Number(process.env.FUZZ_RUNS ?? Math.max(1, Math.round(full * scale)));
      const details = await fc.check(fuzz.properties[target], { ...runParameters(runs, seed), endOnFailure: process.env.FUZZ_SHRINK === '0' });
      const failure = details.failed ? fc.defaultReportMessage(details) : undefined;
      report({ target, cases: details.numRuns, seed, failures: details.failed ? 1 : 0, seconds: (Date.now() - started) / 1000, failure });
    }
  } finally {
    await fuzz.close();
  }
}

/** Batches of runs, each with its own seed, until enough requests were sent or one failed. */
async function http(): Promise<void> {
  const started = Date.now();
  const target = Math.round(HTTP_REQUESTS * scale);
  // One database for every batch: each run's owners have names of their own.
  const cluster: PostgresCluster | undefined = process.env.FUZZ_DATABASE === 'postgres' ? await startPostgres() : undefined;
  const env: Record<string, string> = cluster ? { DATABASE_URL: await cluster.createDatabase('fuzz') } : {};
  let requests = 0;
  let probes = 0;
  let checks = 0;
  let cases = 0;
  let failure: string | undefined;
  for (let batch = 0; requests < target && !failure; batch++) {
    const small = scale < 0.05;
    const { details, stats } = await runHttpFuzz({ runs: small ? 2 : 10, maxCommands: small ? 100 : 300, seed: seed + batch, path: fuzzPath(), env });
    requests += stats.requests;
    probes += stats.probes;
    checks += stats.checks;
    cases += details.numRuns;
    if (details.failed) failure = fc.defaultReportMessage(details);
    console.log(`[fuzz] http: batch ${batch} (seed ${seed + batch}): ${stats.requests} fuzzed requests, ${stats.checks} checks, ${stats.probes} probes, statuses ${JSON.stringify(Object.fromEntries(stats.statuses))}`);
  }
  await cluster?.stop();
  report({ target: `http (${cluster ? 'PostgreSQL' : 'PGlite'})`, cases, seed, failures: failure ? 1 : 0, seconds: (Date.now() - started) / 1000, requests, checks, probes, failure });
}

const began = new Date();
console.log(`[fuzz] ${began.toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, scale ${scale}`);
if (Object.keys(FULL).some(wanted)) await inProcess();
if (wanted('http')) await http();
console.log(JSON.stringify({ date: began.toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, results: results.map(({ failure: _, ...r }) => r) }));
process.exit(results.some((r) => r.failures > 0) ? 1 : 0);
