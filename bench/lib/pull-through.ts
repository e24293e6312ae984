/**
 * Issue 16's benchmark (BENCH_TARGETS=…,proxy): public modules through a caching proxy.
 * The "public proxy" is nginx serving the corpus' static GOPROXY tree (hermetic); the
 * consumer's whole graph is public. Each round, one after another:
 *
 * - `go mod download all` straight from the upstream (nginx), the reference of the round;
 * - the registry's `/go` with UPSTREAM_GOPROXY = nginx (UPSTREAM_SUMDB=off), a fresh data
 *   folder: cold (empty server cache, empty client module cache), then warm (server cache
 *   filled by the cold run, client module cache empty again);
 * - Athens v0.18.0 in its proxy mode (ATHENS_DOWNLOAD_MODE=sync, go with GOPROXY = nginx),
 *   fresh disk storage: cold, then warm.
 *
 * Figures: medians of the runs and of each run ÷ the upstream run of its round. Then the
 * cache hits under wrk: `.info` and the small zips of the latest versions, from the warm
 * registry's `/go`, from warm Athens and from nginx.
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Corpus } from './corpus.js';
import { goDownloadOnce } from './go-download.js';
import { startRegistry, type BenchRegistry } from './registry-target.js';
import { handle, waitForHttp, type Server } from './servers.js';
import { freePort } from '../../test/support/free-port.js';
import { load, type LoadResult } from './wrk.js';

export interface PullThroughResult {
  rounds: number;
  /** Seconds per run, by source: upstream, registry-cold, registry-warm, athens-cold, athens-warm. */
  runs: Record<string, number[]>;
  median: Record<string, number>;
  /** Median of each run ÷ the upstream run of its round. */
  ratioToUpstream: Record<string, number>;
  /** wrk on cache hits: target → scenario → figures. */
  hits: Record<string, Record<string, LoadResult>>;
  athens?: string;
  database?: 'pglite' | 'postgres';
}

export interface PullThroughOptions {
  corpus: Corpus;
  work: string;
  goDir: string;
  wrk: string;
  /** nginx's GOPROXY URL of the tree (with its prefix). */
  upstream: string;
  upstreamPid: number;
  athensBinary?: string;
  /** The registry on this PostgreSQL database (one per registry: `database(name)`), else PGlite. */
  database?: (name: string) => Promise<string>;
  rounds: number;
  seconds: number;
  warmupSeconds: number;
}

/** Athens as a caching proxy of `upstream`: empty disk storage, go fetching misses synchronously. */
export async function startAthensProxy(binary: string, dir: string, upstream: string): Promise<Server> {
  const storage = path.join(dir, 'storage');
  await mkdir(storage, { recursive: true });
  await mkdir(path.join(dir, 'goget'), { recursive: true });
  const port = await freePort();
  const child = spawn(binary, [], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ATHENS_PORT: `127.0.0.1:${port}`,
      ATHENS_STORAGE_TYPE: 'disk',
      ATHENS_DISK_STORAGE_ROOT: storage,
      ATHENS_GOGET_DIR: path.join(dir, 'goget'),
      ATHENS_NETWORK_MODE: 'strict',
      ATHENS_DOWNLOAD_MODE: 'sync',
      ATHENS_LOG_LEVEL: 'error',
      // Athens' list separator is ';' (pkg/config EnvList.Decode).
      ATHENS_GO_BINARY_ENV_VARS: `GOPROXY=${upstream};GOSUMDB=off;GONOSUMDB=;GOPRIVATE=;GOTOOLCHAIN=local;GOFLAGS=-modcacherw`,
    },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, child, 'Athens');
  return handle(child, url);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const r3 = (x: number) => Math.round(x * 1000) / 1000;

export async function benchPullThrough(o: PullThroughOptions): Promise<PullThroughResult> {
  const runs: Record<string, number[]> = { upstream: [], 'registry-cold': [], 'registry-warm': [] };
  if (o.athensBinary) Object.assign(runs, { 'athens-cold': [], 'athens-warm': [] });
  let n = 0;
  const go = async (name: string, goproxy: string) => {
    const s = r3(await goDownloadOnce(path.join(o.goDir, `pt-${n++}`), goproxy, o.corpus.consumerGoMod));
    runs[name]!.push(s);
    console.log(`  pull-through ${name.padEnd(14)} ${s} s`);
  };
  const startCaching = async (dir: string) =>
    startRegistry({ dataDir: dir, logFile: `${dir}.log`, databaseUrl: await o.database?.(path.basename(dir).replace(/\W/g, '_')), env: { UPSTREAM_GOPROXY: o.upstream, UPSTREAM_SUMDB: 'off' } });
  for (let round = 0; round < o.rounds; round++) {
    await go('upstream', o.upstream);
    const registry = await startCaching(path.join(o.work, `pt-registry-${round}`));
    try {
      await go('registry-cold', `${registry.url}/go`);
      await go('registry-warm', `${registry.url}/go`);
    } finally {
      await registry.stop();
    }
    if (o.athensBinary) {
      const athens = await startAthensProxy(o.athensBinary, path.join(o.work, `pt-athens-${round}`), o.upstream);
      try {
        await go('athens-cold', athens.url);
        await go('athens-warm', athens.url);
      } finally {
        await athens.stop();
      }
    }
  }
  const result: PullThroughResult = { rounds: o.rounds, runs, median: {}, ratioToUpstream: {}, hits: {} };
  for (const [name, xs] of Object.entries(runs)) {
    result.median[name] = r3(median(xs));
    if (name !== 'upstream') result.ratioToUpstream[name] = r3(median(xs.map((x, i) => x / runs.upstream![i]!)));
  }

  // Cache hits: the latest versions (what the go runs fetched), warm servers.
  const latest = o.corpus.graph.map((m) => ({ path: m.path, v: m.versions.at(-1)! }));
  const hitPaths = {
    info: (p: string) => latest.map((x) => `${p}/${x.path}/@v/${x.v.version}.info`),
    zipSmall: (p: string) => latest.filter((x) => x.v.zipBytes <= 1024 * 1024).map((x) => `${p}/${x.path}/@v/${x.v.version}.zip`),
  };
  const hits = async (target: string, baseUrl: string, prefix: string, pid: number) => {
    for (const [scenario, paths] of Object.entries(hitPaths)) {
      const r = await load({ wrk: o.wrk, baseUrl, paths: paths(prefix), connections: scenario === 'info' ? 64 : 8, seconds: o.seconds, warmupSeconds: o.warmupSeconds, workDir: o.work, serverPid: pid });
      (result.hits[target] ??= {})[scenario] = r;
      console.log(`  cache hit ${target.padEnd(10)} ${scenario.padEnd(8)} ${r.requestsPerSecond} req/s ${(r.bytesPerSecond / 1e6).toFixed(0)} MB/s p99 ${r.p99Ms} ms cpu ${r.cpuMicrosPerRequest} µs/req${r.errors ? ` errors ${r.errors}` : ''}`);
    }
  };
  const upstreamUrl = new URL(o.upstream);
  await hits('nginx', upstreamUrl.origin, upstreamUrl.pathname.replace(/\/$/, ''), o.upstreamPid);
  const registry: BenchRegistry = await startCaching(path.join(o.work, 'pt-registry-hits'));
  try {
    await goDownloadOnce(path.join(o.goDir, 'pt-fill-registry'), `${registry.url}/go`, o.corpus.consumerGoMod);
    await hits('registry', registry.url, '/go', registry.pid);
  } finally {
    await registry.stop();
  }
  if (o.athensBinary) {
    const athens = await startAthensProxy(o.athensBinary, path.join(o.work, 'pt-athens-hits'), o.upstream);
    try {
      await goDownloadOnce(path.join(o.goDir, 'pt-fill-athens'), athens.url, o.corpus.consumerGoMod);
      await hits('athens', athens.url, '', athens.pid);
    } finally {
      await athens.stop();
    }
  }
  return result;
}
