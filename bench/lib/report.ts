/**
 * Ratios against the targets of issue 8, from figures of one run, and the Markdown
 * table written beside latest.json. A `before` run (BENCH_LABEL=before), when
 * present, is shown next to this one.
 */
import type { AbResult } from './ab.js';
import type { DownloadResult } from './go-download.js';
import type { PullThroughResult } from './pull-through.js';
import type { UploadResult } from './upload-scenario.js';
import type { LoadResult } from './wrk.js';

export interface BenchResults {
  label: string;
  date: string;
  quick: boolean;
  machine: { cpus: number; cpuModel: string | undefined; memoryGiB: number; loadAverage: number[] };
  versions: Record<string, string>;
  corpus: { modules: number; versions: number; zipBytes: number; bigZipBytes: number; uploadSeconds: Record<string, number> };
  settings: { seconds: number; warmupSeconds: number; goRuns: number; goClientOn?: 'tmpfs' | 'disk' };
  athens: { available: boolean; error?: string };
  load: Record<string, Record<string, LoadResult>>;
  goDownload: Record<string, DownloadResult>;
  upload?: UploadResult;
  ab?: AbResult[];
  pullThrough?: PullThroughResult;
  ratios: Ratio[];
}

export interface Ratio {
  name: string;
  value: number | undefined;
  target: string;
  met: boolean | undefined;
}

/** Requests/s of a scenario, none when some answers were errors (Athens offline answers no `@latest`). */
const rps = (r: BenchResults, target: string, scenario: string) => (r.load[target]?.[scenario]?.errors ? undefined : r.load[target]?.[scenario]?.requestsPerSecond);
const div = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? a / b : undefined);
/** Paired with file:// runs beside it when measured so (see go-download.ts), else the ratio of the medians. */
const toFile = (r: BenchResults, target: string) => r.goDownload[target]?.ratioToFile ?? div(r.goDownload[target]?.seconds, r.goDownload.file?.seconds);

export function computeRatios(r: BenchResults): Ratio[] {
  const out: Ratio[] = [];
  const add = (name: string, value: number | undefined, target: string, check?: (v: number) => boolean) =>
    out.push({ name, value: value === undefined ? undefined : Math.round(value * 1000) / 1000, target, met: value === undefined || !check ? undefined : check(value) });
  for (const db of ['pglite', 'postgres', 'postgres-workers']) {
    const reg = `registry-${db}`;
    for (const s of ['info', 'mod', 'list', 'latest', 'info-token']) {
      add(`${s} ${db} / trivial Koa`, div(rps(r, reg, s), rps(r, 'trivial-koa', 'info')), '≥ 0.90', (v) => v >= 0.9);
      add(`${s} ${db} / nginx`, div(rps(r, reg, s), rps(r, 'nginx', s === 'info-token' ? 'info' : s)), 'report');
      if (r.athens.available) add(`${s} ${db} / Athens`, div(rps(r, reg, s), rps(r, 'athens', s === 'info-token' ? 'info' : s)), '> 1', (v) => v > 1);
      const p99 = r.load[reg]?.[s]?.p99Ms;
      add(`${s} ${db} p99 (ms)`, p99, '< 5', (v) => v < 5);
    }
    add(`zipBig ${db} / nginx (MB/s)`, div(r.load[reg]?.zipBig?.bytesPerSecond, r.load.nginx?.zipBig?.bytesPerSecond), '≥ 0.90', (v) => v >= 0.9);
    add(`zip1m ${db} / nginx (MB/s)`, div(r.load[reg]?.zip1m?.bytesPerSecond, r.load.nginx?.zip1m?.bytesPerSecond), 'report');
    add(`go mod download all ${db} / file://`, toFile(r, reg), '≤ 1.2', (v) => v <= 1.2);
    add(`go mod download all ${db} / nginx`, div(toFile(r, reg), toFile(r, 'nginx')), 'report');
  }
  for (const s of ['info', 'zipBig']) {
    const key = s === 'zipBig' ? 'bytesPerSecond' : 'requestsPerSecond';
    add(`${s} TLS registry / TLS nginx`, div(r.load['registry-pglite-tls']?.[s]?.[key], r.load['nginx-tls']?.[s]?.[key]), 'report');
  }
  add('go mod download all nginx / file://', toFile(r, 'nginx'), 'report');
  if (r.athens.available) add('go mod download all Athens / file://', toFile(r, 'athens'), 'report');
  add('upload MB/s', r.upload?.megabytesPerSecond, '≥ 150', (v) => v >= 150);
  add('upload peak RSS growth (MiB)', r.upload?.rssPeakGrowthMiB, '< 64', (v) => v < 64);
  return out;
}

const fmt = (v: number | undefined, digits = 2) => (v === undefined ? '–' : v.toFixed(digits));
const mark = (m: boolean | undefined) => (m === undefined ? '' : m ? ' ✓' : ' ✗');

export function markdown(r: BenchResults, before?: BenchResults): string {
  const lines: string[] = [];
  lines.push(`# go-registry benchmark (${r.label}${r.quick ? ', BENCH_QUICK' : ''}) — ${r.date}`, '');
  lines.push(`Machine: ${r.machine.cpus} × ${r.machine.cpuModel ?? '?'}, ${r.machine.memoryGiB} GiB, load average at start ${r.machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}.`);
  lines.push(`Versions: ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join('; ')}.`);
  lines.push(`Corpus: ${r.corpus.modules} modules, ${r.corpus.versions} versions, ${(r.corpus.zipBytes / 2 ** 20).toFixed(0)} MiB of zips (largest ${(r.corpus.bigZipBytes / 2 ** 20).toFixed(0)} MiB); wrk 1 thread, ${r.settings.warmupSeconds} s warm-up + ${r.settings.seconds} s per scenario; the go client's module cache on ${r.settings.goClientOn ?? 'disk'}.`);
  if (!r.athens.available) lines.push(`Athens: not measured — ${r.athens.error ?? 'unavailable'}.`);
  lines.push('', '## Ratios (one run)', '');
  const prev = new Map(before?.ratios.map((x) => [x.name, x.value]));
  lines.push(before ? '| ratio | before | now | target |' : '| ratio | now | target |', before ? '|---|---|---|---|' : '|---|---|---|');
  for (const x of r.ratios) {
    const now = `${fmt(x.value)}${mark(x.met)}`;
    lines.push(before ? `| ${x.name} | ${fmt(prev.get(x.name))} | ${now} | ${x.target} |` : `| ${x.name} | ${now} | ${x.target} |`);
  }
  lines.push('', '## Raw figures', '', '| target | scenario | conns | req/s | MB/s | p50 ms | p99 ms | CPU µs/req | errors |', '|---|---|---|---|---|---|---|---|---|');
  for (const [target, byScenario] of Object.entries(r.load)) {
    for (const [s, x] of Object.entries(byScenario)) {
      lines.push(`| ${target} | ${s} | ${x.connections ?? ''} | ${x.requestsPerSecond} | ${(x.bytesPerSecond / 1e6).toFixed(0)} | ${fmt(x.p50Ms)} | ${fmt(x.p99Ms)} | ${x.cpuMicrosPerRequest ?? '–'} | ${x.errors} |`);
    }
  }
  lines.push('', '| go mod download all (cold cache) | median s | runs | paired file:// runs | median ratio |', '|---|---|---|---|---|');
  for (const [target, d] of Object.entries(r.goDownload)) lines.push(`| ${target} | ${d.seconds} | ${d.runs.join(', ')} | ${d.fileRuns?.join(', ') ?? ''} | ${fmt(d.ratioToFile)} |`);
  if (r.upload) {
    const u = r.upload;
    lines.push('', '| upload | MiB | s | MB/s | RSS growth MiB |', '|---|---|---|---|---|');
    lines.push(`| registry-pglite | ${(u.zipBytes / 2 ** 20).toFixed(0)} | ${u.seconds} | ${u.megabytesPerSecond} | ${u.rssPeakGrowthMiB} |`);
  }
  const pt = r.pullThrough;
  if (pt) {
    lines.push('', `## Pull-through: \`go mod download all\`, public modules from an upstream (nginx), ${pt.rounds} round(s), the registry on ${pt.database ?? "pglite"}`, '');
    lines.push('| source | median s | ÷ upstream (median of the rounds) | runs |', '|---|---|---|---|');
    for (const [name, xs] of Object.entries(pt.runs)) lines.push(`| ${name} | ${pt.median[name]} | ${fmt(pt.ratioToUpstream[name])} | ${xs.join(', ')} |`);
    lines.push('', '| cache hit (wrk) | scenario | req/s | MB/s | p99 ms | CPU µs/req |', '|---|---|---|---|---|---|');
    for (const [target, byScenario] of Object.entries(pt.hits)) {
      for (const [s, x] of Object.entries(byScenario)) lines.push(`| ${target} | ${s} | ${x.requestsPerSecond} | ${(x.bytesPerSecond / 1e6).toFixed(0)} | ${fmt(x.p99Ms)} | ${x.cpuMicrosPerRequest ?? '–'} |`);
    }
  }
  if (r.ab?.length) {
    lines.push('', '## A/B: the registry against itself (B is the plain replacement; medians of the rounds\' B ÷ A)', '');
    lines.push('| comparison | B | scenario | CPU µs/req A | CPU µs/req B | CPU B ÷ A | req/s B ÷ A |', '|---|---|---|---|---|---|---|');
    for (const x of r.ab) {
      for (const s of x.scenarios) lines.push(`| ${x.name} | ${x.plain} | ${s.scenario} | ${s.medianCpuA} (${s.a.cpu.join(', ')}) | ${s.medianCpuB} (${s.b.cpu.join(', ')}) | ${fmt(s.cpuRatio)} | ${fmt(s.rpsRatio)} |`);
      if (x.go) lines.push(`| ${x.name} | ${x.plain} | go mod download all (s) | ${x.go.a.join(', ')} | ${x.go.b.join(', ')} | ${fmt(x.go.ratio)} (time) | |`);
    }
  }
  return lines.join('\n') + '\n';
}
