/**
 * `npm run bench -- operator` (or `npm run bench:operator`): the operator at scale. A control plane
 * of its own (test/k8s), a registry process on PostgreSQL 15, and the operator as a process of its
 * own; 1,000 GoPackageOwners of one token each (BENCH_QUICK=1: 200; BENCH_N=…) applied at once
 * with one server-side `kubectl apply`. Measures:
 *   - the time from the apply until every resource is Ready for its generation (polled), and the
 *     latest Ready transition the API server recorded (second resolution);
 *   - the operator's peak RSS (VmHWM of /proc/<pid>/status) and RSS sampled every 100 ms;
 *   - API calls per resource, counted by the API server itself: the operator authenticates as a
 *     ServiceAccount whose requests FlowSchemas sort into buckets (test/k8s/write-witness.ts);
 *   - admin-API calls per resource, from the registry's own http_request_duration_seconds counts.
 * The operator's node runs with the chart's options (operator.nodeArgs, operator.mallocArenaMax);
 * BENCH_NODE_ARGS and BENCH_OPERATOR_ENV replace them ("none": plain node).
 * BENCH_PROFILE=1 profiles the operator (CPU and heap sampling, bench/results/profiles/). BENCH_CONCURRENCY sets MAX_CONCURRENT_RECONCILES (default: the operator's own). BENCH_LABEL names
 * the run (before|after); writes bench/results/operator-scale.{json,md} and operator-scale-<label>.json.
 */
import { readFileSync } from 'node:fs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { sharedCluster } from '../test/k8s/cluster.js';
import { installCrd } from '../test/k8s/crd-install.js';
import { requestWitness, type RequestBucket } from '../test/k8s/write-witness.js';
import { eventually } from '../test/support/eventually.js';
import { startOperatorProcess } from '../test/support/operator-process.js';
import { REPO_ROOT, tempDir } from '../test/support/paths.js';
import { startPostgres } from '../test/support/postgres-cluster.js';
import { ADMIN_TOKEN, startRegistry } from './lib/registry-target.js';

const QUICK = process.env.BENCH_QUICK === '1';
const N = Number(process.env.BENCH_N ?? (QUICK ? 200 : 1000));
const LABEL = process.env.BENCH_LABEL ?? 'latest';
const RESULTS = path.join(REPO_ROOT, 'bench', 'results');
const MiB = 1024 * 1024;
/** BENCH_PROFILE=1: the operator writes a V8 CPU and heap-sampling profile into bench/results/profiles/ when it stops. */
const PROFILE = process.env.BENCH_PROFILE === '1';
/** The operator runs as the chart runs it: its node options and MALLOC_ARENA_MAX from the chart's values. */
const CHART = (parseYaml(readFileSync(path.join(REPO_ROOT, 'charts', 'go-registry', 'values.yaml'), 'utf8')) as { operator: { nodeArgs?: string[]; mallocArenaMax?: number } }).operator;
const words = (v: string) => (v === 'none' ? [] : v.split(' ').filter(Boolean));
/** BENCH_NODE_ARGS="…" (none: no options): the operator's node options instead of the chart's. */
const NODE_ARGS = process.env.BENCH_NODE_ARGS !== undefined ? words(process.env.BENCH_NODE_ARGS) : CHART.nodeArgs ?? [];
/** BENCH_OPERATOR_ENV="K=V …" (none: nothing): the operator's extra environment instead of the chart's. */
const OPERATOR_ENV: Record<string, string> = process.env.BENCH_OPERATOR_ENV !== undefined
  ? Object.fromEntries(words(process.env.BENCH_OPERATOR_ENV).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))
  : CHART.mallocArenaMax ? { MALLOC_ARENA_MAX: String(CHART.mallocArenaMax) } : {};

const G = ['goregistry.dev'];
/** Most specific first. Leases (leader election) are counted apart: they do not grow with resources. */
const BUCKETS: RequestBucket[] = [
  { name: 'leases', verbs: ['*'], apiGroups: ['coordination.k8s.io'], resources: ['leases'] },
  { name: 'gpo-status-writes', verbs: ['update', 'patch'], apiGroups: G, resources: ['gopackageowners/status'] },
  { name: 'gpo-writes', verbs: ['create', 'update', 'patch', 'delete'], apiGroups: G, resources: ['gopackageowners'] },
  { name: 'gpo-reads', verbs: ['get', 'list'], apiGroups: G, resources: ['gopackageowners', 'gopackageowners/status'] },
  { name: 'secret-writes', verbs: ['create', 'update', 'patch', 'delete'], apiGroups: [''], resources: ['secrets'] },
  { name: 'secret-reads', verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'] },
  { name: 'events', verbs: ['*'], apiGroups: ['', 'events.k8s.io'], resources: ['events'] },
  { name: 'watches', verbs: ['watch'], apiGroups: ['*'], resources: ['*'] },
  { name: 'other', verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
];

const manifest = (n: number) =>
  Array.from({ length: n }, (_, i) => {
    const name = `scale-${String(i).padStart(4, '0')}`;
    return `apiVersion: goregistry.dev/v1alpha1\nkind: GoPackageOwner\nmetadata:\n  name: ${name}\nspec:\n  visibility: private\n  tokens:\n  - {name: ci, scopes: [read]}\n`;
  }).join('---\n');

/** VmRSS and VmHWM of a process, in bytes. */
async function memoryOf(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** The operator's heap figures from its /metrics (prom-client's default metrics), in MiB. */
async function heapOf(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^(nodejs_heap_size_total_bytes|nodejs_heap_size_used_bytes|nodejs_external_memory_bytes|nodejs_heap_space_size_total_bytes\{space="(\w+)"\}) (\d+(?:\.\d+)?)/gm)) {
    out[m[2] ? `space_${m[2]}` : m[1]!.replace(/^nodejs_|_bytes$/g, '')] = Math.round(Number(m[3]) / MiB);
  }
  return out;
}

async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** The operator's reconciles so far, by result (controller_runtime_reconcile_total). */
async function reconcilesOf(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^controller_runtime_reconcile_total\{[^}]*result="(\w+)"[^}]*\} (\d+)/gm)) out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2]);
  return out;
}

/** Admin-API requests the registry answered so far, by method and route. */
async function adminCalls(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^http_request_duration_seconds_count\{([^}]*)\} (\d+)/gm)) {
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (!labels.route?.includes('admin')) continue;
    const key = `${labels.method} ${labels.route}`;
    out[key] = (out[key] ?? 0) + Number(m[2]);
  }
  return out;
}

const delta = (a: Record<string, number>, b: Record<string, number>) =>
  Object.fromEntries(Object.keys(b).map((k) => [k, b[k]! - (a[k] ?? 0)]).filter(([, v]) => (v as number) > 0));
const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
const perResource = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Math.round((v / N) * 100) / 100]));

interface Row { generation: number; observed: number | undefined; ready: string; since: string }

async function main(): Promise<void> {
  const { dir, remove } = await tempDir('bench-operator');
  const cluster = await sharedCluster();
  const pg = await startPostgres();
  const stops: (() => Promise<unknown>)[] = [() => remove(), () => cluster.release(), () => pg.stop()];
  try {
    await installCrd(cluster);
    const ns = await cluster.namespace('scale');
    const witness = await requestWitness(cluster, ns, dir, BUCKETS, 'bench-operator');
    stops.unshift(() => witness.remove());
    const registry = await startRegistry({ dataDir: path.join(dir, 'data'), databaseUrl: await pg.createDatabase('operator_scale'), logFile: path.join(dir, 'registry.log') });
    stops.unshift(() => registry.stop());
    const operator = await startOperatorProcess({
      KUBECONFIG: witness.kubeconfig, WATCH_NAMESPACE: ns, LEASE_NAMESPACE: ns, POD_NAME: 'bench-operator',
      REGISTRY_URL: registry.url, REGISTRY_ADMIN_TOKEN: ADMIN_TOKEN,
      ...(process.env.BENCH_CONCURRENCY ? { MAX_CONCURRENT_RECONCILES: process.env.BENCH_CONCURRENCY } : {}),
      ...OPERATOR_ENV,
    }, 60_000, [...NODE_ARGS, ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.join(RESULTS, 'profiles')}`, '--heap-prof', `--heap-prof-dir=${path.join(RESULTS, 'profiles')}`] : [])]);
    stops.unshift(() => operator.stop());
    const readyz = operator.metricsUrl.replace(/\/metrics$/, '/readyz');
    await eventually('the operator leading and synced', async () => (await fetch(readyz)).ok && (await fetch(operator.metricsUrl)).text().then((t) => /^leader_election_master_status\{[^}]*\} 1$/m.test(t)), { timeoutMs: 60_000 });
    const idle = await memoryOf(operator.pid);

    const file = path.join(dir, 'owners.yaml');
    await writeFile(file, manifest(N));
    const [api0, admin0, cpu0, rec0] = [await witness.counts(), await adminCalls(registry.url), await cpuSeconds(operator.pid), await reconcilesOf(operator.metricsUrl)];
    let peakRss = idle.rss;
    let sampling = true;
    let atPeak: Record<string, number> = {};
    const sampler = (async () => {
      for (let i = 0; sampling; i++) {
        const { rss } = await memoryOf(operator.pid);
        // Once a second, the operator's own view of its memory (heap spaces, external), kept for the peak.
        if (i % 10 === 0 && rss >= peakRss) atPeak = await heapOf(operator.metricsUrl).catch(() => atPeak);
        peakRss = Math.max(peakRss, rss);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const started = Date.now();
    const applied = await cluster.kubectl(['-n', ns, 'apply', '--server-side', '-f', file]);
    if (applied.code !== 0) throw new Error(`kubectl apply: ${applied.stderr}`);
    const appliedSeconds = (Date.now() - started) / 1000;
    const jsonpath = '{range .items[*]}{.metadata.generation} {.status.observedGeneration} {.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].lastTransitionTime}{"\\n"}{end}';
    let readyCount = 0;
    const rows = await eventually(`${N} GoPackageOwners Ready`, async () => {
      const r = await cluster.kubectl(['-n', ns, 'get', 'gpo', '-o', `jsonpath=${jsonpath}`]);
      const all: Row[] = r.stdout.trim().split('\n').filter(Boolean).map((l) => {
        const [generation, observed, ready, since] = l.split(' ');
        return { generation: Number(generation), observed: observed ? Number(observed) : undefined, ready: ready ?? '', since: since ?? '' };
      });
      readyCount = all.filter((x) => x.ready === 'True' && x.observed === x.generation).length;
      return all.length === N && readyCount === N ? all : undefined;
    }, { timeoutMs: 15 * 60_000, intervalMs: 500, context: () => `${readyCount} of ${N} Ready; operator log tail:\n${operator.logs.slice(-10).join('\n')}` });
    const convergedSeconds = (Date.now() - started) / 1000;
    const lastTransition = Math.max(...rows.map((x) => Date.parse(x.since)));
    // Settle: status writes echo back through the watch; let those reconciles finish inside the window.
    await new Promise((r) => setTimeout(r, 3000));
    sampling = false;
    await sampler;
    const [api1, admin1, cpu1, mem, rec1] = [await witness.counts(), await adminCalls(registry.url), await cpuSeconds(operator.pid), await memoryOf(operator.pid), await reconcilesOf(operator.metricsUrl)];
    const api = delta(api0, api1);
    const { leases = 0, ...perRes } = api;
    const adminDelta = delta(admin0, admin1);
    const result = {
      label: LABEL, date: new Date().toISOString(), resources: N, nodeArgs: NODE_ARGS, operatorEnv: OPERATOR_ENV, concurrency: process.env.BENCH_CONCURRENCY ?? 'default',
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg: os.loadavg() },
      applySeconds: appliedSeconds, convergedSeconds,
      lastReadyTransitionSeconds: Math.round((lastTransition - Math.floor(started / 1000) * 1000) / 1000),
      operatorCpuSeconds: Math.round((cpu1 - cpu0) * 100) / 100,
      rssMiB: { idle: Math.round(idle.rss / MiB), peakSampled: Math.round(peakRss / MiB), peakHwm: Math.round(mem.hwm / MiB), after: Math.round(mem.rss / MiB), atPeak },
      apiCalls: { total: sum(perRes), perResource: Math.round((sum(perRes) / N) * 100) / 100, byBucket: perRes, byBucketPerResource: perResource(perRes), leases },
      reconciles: delta(rec0, rec1),
      adminCalls: { total: sum(adminDelta), perResource: Math.round((sum(adminDelta) / N) * 100) / 100, byRoute: adminDelta },
    };
    await mkdir(RESULTS, { recursive: true });
    await writeFile(path.join(RESULTS, 'operator-scale.json'), JSON.stringify(result, null, 2) + '\n');
    await writeFile(path.join(RESULTS, `operator-scale-${LABEL}.json`), JSON.stringify(result, null, 2) + '\n');
    await writeFile(path.join(RESULTS, 'operator-scale.md'), markdown(result));
    console.log(markdown(result));
  } finally {
    for (const stop of stops) await stop().catch((err: unknown) => console.error(err));
  }
}

function markdown(r: { label: string; resources: number; [k: string]: unknown }): string {
  const x = r as unknown as { convergedSeconds: number; applySeconds: number; lastReadyTransitionSeconds: number; operatorCpuSeconds: number; rssMiB: Record<string, number>; apiCalls: { perResource: number; byBucketPerResource: Record<string, number>; leases: number }; adminCalls: { perResource: number; byRoute: Record<string, number> }; reconciles: Record<string, number>; concurrency: string; machine: { loadavg: number[] } };
  return [
    `# Operator at scale (${r.label}, ${r.resources} GoPackageOwners, concurrency ${x.concurrency})`,
    '',
    '| converged s | apply s | last Ready transition s | operator CPU s | RSS idle / peak MiB | API calls / resource | admin-API calls / resource |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    `| ${x.convergedSeconds.toFixed(1)} | ${x.applySeconds.toFixed(1)} | ${x.lastReadyTransitionSeconds} | ${x.operatorCpuSeconds} | ${x.rssMiB.idle} / ${x.rssMiB.peakHwm} | ${x.apiCalls.perResource} | ${x.adminCalls.perResource} |`,
    '',
    `API calls per resource by bucket: ${Object.entries(x.apiCalls.byBucketPerResource).map(([k, v]) => `${k} ${v}`).join(', ')}; lease requests ${x.apiCalls.leases} in all.`,
    `Reconciles by result: ${Object.entries(x.reconciles).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    `Admin-API calls: ${Object.entries(x.adminCalls.byRoute).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    `Load average at the end: ${x.machine.loadavg.map((l) => l.toFixed(2)).join(' ')} (2 shared cores).`,
    '',
  ].join('\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
