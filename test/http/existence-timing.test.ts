/**
 * Time says nothing about existence. With the read cache on (PostgreSQL, notifications
 * received), a private owner the caller may not see and an owner that does not exist
 * are answered from the same in-memory directory: over many interleaved requests the two
 * response-time distributions are indistinguishable (two-sample Kolmogorov–Smirnov test),
 * and random tokens never reach the database (PostgreSQL's own statement log is the
 * witness). The web UI's pages of a hidden owner are timed the same way.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { eventually } from '../support/eventually.js';
import { startTestRegistry, type TestRegistry } from '../support/in-process-registry.js';
import { tempDir } from '../support/paths.js';
import { startPostgres, type PostgresCluster } from '../support/postgres-cluster.js';

const SAMPLES = 2000;
const WARM_UP = 200;
let cluster: PostgresCluster;
let databaseUrl: string;
let reg: TestRegistry;
let cleanup: () => Promise<void>;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

before(async () => {
  cluster = await startPostgres();
  databaseUrl = await cluster.createDatabase('timing');
  const admin = new pg.Client(databaseUrl);
  await admin.connect();
  await admin.query('ALTER DATABASE timing SET log_statement = \'all\'');
  await admin.end();
  const { dir, remove } = await tempDir('timing');
  cleanup = remove;
  reg = await startTestRegistry({ DATABASE_URL: databaseUrl, STORAGE_DIR: path.join(dir, 'storage') });
  await reg.createOwner('hidden-owner', 'private');
  await eventually('the read cache is on', async () => /goregistry_change_listener_up 1/.test(await (await fetch(`${reg.url}/metrics`)).text()));
});
after(async () => {
  agent.destroy();
  await reg?.stop();
  await cluster?.stop();
  await cleanup?.();
});

/** One GET on a kept-alive connection: status, body and the time to the last byte, in µs. */
function timedGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; micros: number }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    http.get(url, { agent, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, micros: Number(process.hrtime.bigint() - start) / 1000 }));
    }).on('error', reject);
  });
}

/** The two-sample Kolmogorov–Smirnov statistic: the largest gap between the empirical distributions. */
function ksStatistic(a: number[], b: number[]): number {
  const xs = [...a].sort((p, q) => p - q);
  const ys = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < xs.length && j < ys.length) {
    const v = Math.min(xs[i]!, ys[j]!);
    while (i < xs.length && xs[i]! <= v) i++;
    while (j < ys.length && ys[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / xs.length - j / ys.length));
  }
  return d;
}

const median = (v: number[]) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)]!;

/** Interleaved GETs of a hidden owner's and a missing owner's URL: the same status and body each time, and their times compared. */
async function compareTimes(url: (owner: string) => string, status: number): Promise<void> {
  const hidden: number[] = [];
  const missing: number[] = [];
  for (let i = 0; i < SAMPLES + WARM_UP; i++) {
    // Interleaved, in random order per pair, so drift (JIT, GC, the other core) hits both alike.
    const order = Math.random() < 0.5 ? (['hidden-owner', 'absent-owner'] as const) : (['absent-owner', 'hidden-owner'] as const);
    const bodies: string[] = [];
    for (const owner of order) {
      const r = await timedGet(url(owner));
      assert.equal(r.status, status);
      bodies.push(r.body);
      if (i >= WARM_UP) (owner === 'hidden-owner' ? hidden : missing).push(r.micros);
    }
    assert.equal(bodies[0], bodies[1]);
  }
  const d = ksStatistic(hidden, missing);
  // Critical value at α = 0.001: 1.95 · sqrt((n + m) / (n · m)).
  const critical = 1.95 * Math.sqrt((hidden.length + missing.length) / (hidden.length * missing.length));
  const summary = `KS D = ${d.toFixed(4)} (critical ${critical.toFixed(4)}), median hidden ${median(hidden).toFixed(0)} µs, missing ${median(missing).toFixed(0)} µs`;
  console.log(summary);
  assert.ok(d < critical, `the response times tell hidden from missing: ${summary}`);
}

test('a hidden owner and a missing one: the same answer in the same time', async () => {
  assert.equal((await timedGet(`${reg.url}/api/packages/absent-owner/go/example.com/m/@v/list`)).body, 'not found\n');
  await compareTimes((owner) => `${reg.url}/api/packages/${owner}/go/example.com/m/@v/list`, 404);
});

test('the web UI: a hidden owner\'s module page and a missing one\'s, the same page in the same time', async () => {
  await compareTimes((owner) => `${reg.url}/ui/modules/${owner}/example.com/m`, 404);
});

test('random tokens never reach the database', async () => {
  // The witness is the server's own statement log (log_statement = all on this database since
  // before the registry connected): written as each statement runs, unlike pg_stat_database,
  // whose counters a backend may publish up to 10 s late.
  const logged = async () => (await readFile(cluster.logPath, 'utf8')).split('\n').filter((l) => /LOG: {2}(statement|execute [^:]*): /.test(l));
  const before = (await logged()).length;
  for (let i = 0; i < 300; i++) {
    const token = `gor_${randomBytes(32).toString('base64url')}`;
    const r = await timedGet(`${reg.url}/api/packages/hidden-owner/go/example.com/m/@v/list`, { Authorization: `Bearer ${token}` });
    assert.equal(r.status, 401);
  }
  const during = (await logged()).slice(before);
  // The notification connection's heartbeat (every 10 s) at most: far from one per request.
  assert.ok(during.every((l) => /SELECT 1$/.test(l)) && during.length <= 2, `${during.length} statements for 300 requests with random tokens:\n${during.join('\n')}`);
});
