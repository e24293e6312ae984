/**
 * A/B of the registry against itself (BENCH_TARGETS=ab): two processes with different
 * environments (a configuration such as ZIP_CACHE_MB=0, or a temporary BENCH_PLAIN toggle)
 * on one PostgreSQL database and one blob folder, so the corpus is uploaded once and both
 * serve the same bytes. Each comparison alternates A and B (ABBA…) over rounds of the same
 * wrk scenarios, and optionally cold `go mod download all` runs: the machine's speed drifts
 * between minutes, so the figures that count are the medians of the pairs' ratios, CPU
 * time per request above all (steadier than requests/s on a shared machine).
 */
import path from 'node:path';
import type { Corpus } from './corpus.js';
import { goDownloadOnce } from './go-download.js';
import { startRegistry, uploadCorpus } from './registry-target.js';
import { scenarios as allScenarios, type ScenarioName } from './scenarios.js';
import { PREFIX } from './servers.js';
import { load, type LoadResult } from './wrk.js';

export interface Comparison {
  name: string;
  /** What B replaces, for the report. */
  plain: string;
  a: Record<string, string>;
  b: Record<string, string>;
  scenarios: ScenarioName[];
  /** Also paired cold `go mod download all` runs. */
  go?: boolean;
}

export interface AbScenarioResult {
  scenario: string;
  a: { cpu: number[]; rps: number[]; p99: number[] };
  b: { cpu: number[]; rps: number[]; p99: number[] };
  /** Medians of B ÷ A over the rounds' pairs. */
  cpuRatio: number;
  rpsRatio: number;
  medianCpuA: number;
  medianCpuB: number;
}

export interface AbResult {
  name: string;
  plain: string;
  a: Record<string, string>;
  b: Record<string, string>;
  scenarios: AbScenarioResult[];
  go?: { a: number[]; b: number[]; ratio: number };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const r3 = (x: number) => Math.round(x * 1000) / 1000;

export interface AbOptions {
  corpus: Corpus;
  work: string;
  goDir: string;
  wrk: string;
  databaseUrl: string;
  rounds: number;
  goRounds: number;
  seconds: number;
  warmupSeconds: number;
}

export async function runComparisons(o: AbOptions, comparisons: Comparison[]): Promise<AbResult[]> {
  const storage = path.join(o.work, 'ab-storage');
  const out: AbResult[] = [];
  let uploaded = false;
  let n = 0;
  for (const cmp of comparisons) {
    const start = (side: 'a' | 'b', env: Record<string, string>) =>
      startRegistry({ dataDir: path.join(o.work, `ab-${n}-${side}`), databaseUrl: o.databaseUrl, logFile: path.join(o.work, `ab-${n}-${side}.log`), env: { STORAGE_DIR: storage, ...env } });
    n++;
    const a = await start('a', cmp.a);
    const b = await start('b', cmp.b);
    try {
      if (!uploaded) {
        await uploadCorpus(a.url, o.corpus);
        uploaded = true;
      }
      const result: AbResult = { name: cmp.name, plain: cmp.plain, a: cmp.a, b: cmp.b, scenarios: [] };
      for (const name of cmp.scenarios) {
        const s = allScenarios(o.corpus).find((x) => x.name === name)!;
        const sides = { a: { cpu: [] as number[], rps: [] as number[], p99: [] as number[] }, b: { cpu: [] as number[], rps: [] as number[], p99: [] as number[] } };
        for (let round = 0; round < o.rounds; round++) {
          for (const side of round % 2 ? (['b', 'a'] as const) : (['a', 'b'] as const)) {
            const server = side === 'a' ? a : b;
            const r: LoadResult = await load({ wrk: o.wrk, baseUrl: server.url, paths: s.paths(PREFIX), connections: s.connections, seconds: o.seconds, warmupSeconds: o.warmupSeconds, workDir: o.work, serverPid: server.pid });
            if (r.errors) throw new Error(`A/B ${cmp.name} ${name} ${side}: ${r.errors} errors`);
            sides[side].cpu.push(r.cpuMicrosPerRequest!);
            sides[side].rps.push(r.requestsPerSecond);
            sides[side].p99.push(r.p99Ms);
          }
        }
        const pairs = (k: 'cpu' | 'rps') => r3(median(sides.a[k].map((x, i) => sides.b[k][i]! / x)));
        const sr: AbScenarioResult = { scenario: name, ...sides, cpuRatio: pairs('cpu'), rpsRatio: pairs('rps'), medianCpuA: median(sides.a.cpu), medianCpuB: median(sides.b.cpu) };
        result.scenarios.push(sr);
        console.log(`  A/B ${cmp.name.padEnd(14)} ${name.padEnd(9)} CPU µs/req A ${sides.a.cpu.join('/')} B ${sides.b.cpu.join('/')} (B÷A ${sr.cpuRatio}); req/s B÷A ${sr.rpsRatio}`);
      }
      if (cmp.go) {
        const times = { a: [] as number[], b: [] as number[] };
        for (let round = 0; round < o.goRounds; round++) {
          for (const side of round % 2 ? (['b', 'a'] as const) : (['a', 'b'] as const)) {
            const server = side === 'a' ? a : b;
            times[side].push(r3(await goDownloadOnce(path.join(o.goDir, `ab-${n}-${side}-${round}`), `${server.url}${PREFIX}`, o.corpus.consumerGoMod)));
          }
        }
        result.go = { ...times, ratio: r3(median(times.a.map((x, i) => times.b[i]! / x))) };
        console.log(`  A/B ${cmp.name.padEnd(14)} go mod download all A ${times.a.join('/')} s B ${times.b.join('/')} s (B÷A ${result.go.ratio})`);
      }
      out.push(result);
    } finally {
      await a.stop();
      await b.stop();
    }
  }
  return out;
}

/**
 * Comparisons that the code still has a switch for. Issue 15's A/B of the hand-made fast
 * paths (JSON caches, open descriptors, reused buffers, the two-buffer pump) ran with
 * temporary BENCH_PLAIN toggles at commits b982e51 and 223e0ab (the spare buffers);
 * bench/README.md has the figures.
 */
export const HAND_MADE: Comparison[] = [
  { name: 'contentCache', plain: 'no content cache (ZIP_CACHE_MB=0)', a: {}, b: { ZIP_CACHE_MB: '0' }, scenarios: ['zipSmall'], go: true },
];
