/**
 * WORKERS=2 on a real PostgreSQL 15: one port served by two worker processes that the
 * primary forks, supervises and stops; /metrics counts every worker's requests; a change
 * made through one worker reaches the other; log lines stay whole; a dead worker is replaced.
 */
import { generateKey } from '../../registry/domain/sumdb/note.js';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createOwner, createToken } from '../support/admin-api.js';
import { childPids, isAlive } from '../support/child-processes.js';
import { curlUpload } from '../support/curl.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { goClient } from '../support/go-client.js';
import { makeModuleZip } from '../support/module-zips.js';
import { REPO_ROOT, tempDir } from '../support/paths.js';
import { startPostgres, type PostgresCluster } from '../support/postgres-cluster.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';

const TOKEN = 'e2e-admin-token-workers-01234567';
let root: string;
let cleanup: () => Promise<void>;
let pg: PostgresCluster;
let env: Record<string, string>;
let reg: RegistryProcess;

/** One request on a connection of its own: the primary hands connections to its workers in turn. */
function fresh(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      })
      .on('error', reject);
  });
}

const entries = (r: RegistryProcess) =>
  r.logs.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });


const counter = (text: string, name: string) => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\d+)`, 'm').exec(text)?.[1] ?? 0);

before(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('e2e-workers'));
  pg = await startPostgres();
  env = {
    DATABASE_URL: await pg.createDatabase('workers'),
    DATA_DIR: path.join(root, 'data'),
    REGISTRY_ADMIN_TOKEN: TOKEN,
    WORKERS: '2',
    // The later registries here use other DATA_DIRs on the same database: one signing key for all.
    SUMDB_SIGNING_KEY: generateKey('go-registry').skey,
  };
  reg = await startRegistryProcess(env);
});
after(async () => {
  await reg?.stop();
  await pg?.stop();
  await cleanup?.();
});

describe('WORKERS=2', () => {
  test('one port, two worker processes: the primary says listening once, when both are', async () => {
    const lines = entries(reg);
    const ready = lines.filter((l) => l.msg === 'listening');
    assert.equal(ready.length, 1);
    assert.equal(ready[0]!.workers, 2);
    const workers = lines.filter((l) => l.msg === 'worker listening');
    assert.deepEqual(new Set(workers.map((l) => l.worker)), new Set([1, 2]));
    assert.ok(workers.every((l) => l.port === reg.port), 'every worker serves the primary port');
    assert.equal(lines.filter((l) => l.msg === 'database ready' && (l.applied as string[]).length > 0).length, 1, 'migrations ran once');
    assert.equal((await childPids(reg.pid)).length, 2);

    for (let i = 0; i < 8; i++) assert.equal((await fresh(`${reg.url}/readyz`)).status, 200);
    await eventually('access-log lines from both workers', async () => {
      const served = entries(reg).filter((l) => l.msg === 'request' && l.path === '/readyz');
      return new Set(served.map((l) => l.worker)).size === 2;
    });
  });

  test('curl upload and go mod download through the workers', async () => {
    await createOwner(reg.url, TOKEN, 'acme', 'public');
    const zip = await makeModuleZip(root, 'example.com/workers', 'v1.0.0', {
      'go.mod': 'module example.com/workers\n\ngo 1.21\n',
      'w.go': 'package workers\n\nconst N = 2\n',
    });
    const up = await curlUpload(reg.url, 'acme', zip, `ci:${TOKEN}`);
    assert.equal(up.status, 201, up.body);
    assert.equal((await curlUpload(reg.url, 'acme', zip, `ci:${TOKEN}`)).status, 409);
    const go = await goClient(path.join(root, 'go'), `${reg.url}/api/packages/acme/go`);
    const got = JSON.parse((await go.go(['mod', 'download', '-json', 'example.com/workers@latest'])).stdout) as { Version: string; Sum: string };
    assert.equal(got.Version, 'v1.0.0');
    assert.equal(got.Sum, (JSON.parse(up.body) as { zipHash: string }).zipHash);
  });

  test('/metrics on the main port counts the requests of every worker', async () => {
    const name = 'goregistry_downloads_total{kind="info"}';
    const before = counter((await fresh(`${reg.url}/metrics`)).body, name);
    for (let i = 0; i < 10; i++) {
      assert.equal((await fresh(`${reg.url}/api/packages/acme/go/example.com/workers/@v/v1.0.0.info`)).status, 200);
    }
    // Any worker answers the scrape, with the sum over both (each served about half).
    for (let i = 0; i < 2; i++) {
      const scrape = await fresh(`${reg.url}/metrics`);
      assert.equal(scrape.status, 200);
      assert.equal(counter(scrape.body, name) - before, 10, scrape.body.slice(0, 400));
    }
  });

  test('a token revoked through one worker stops working on both', async () => {
    await createOwner(reg.url, TOKEN, 'secret', 'private');
    const zip = await makeModuleZip(root, 'example.com/hidden', 'v1.0.0');
    assert.equal((await curlUpload(reg.url, 'secret', zip, `ci:${TOKEN}`)).status, 201);
    const reader = await createToken(reg.url, TOKEN, 'secret', 'reader', ['read']);
    const auth = { Authorization: 'Basic ' + Buffer.from(`u:${reader}`).toString('base64') };
    const info = `${reg.url}/api/packages/secret/go/example.com/hidden/@v/v1.0.0.info`;
    // Both workers have the token in their read caches.
    for (let i = 0; i < 4; i++) assert.equal((await fresh(info, auth)).status, 200);
    const res = await fetch(`${reg.url}/api/admin/owners/secret/tokens/reader`, { method: 'DELETE', headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 204, await res.text());
    await eventually(
      'the revoked token refused on both workers',
      async () => {
        const statuses = await Promise.all(Array.from({ length: 4 }, () => fresh(info, auth).then((r) => r.status)));
        return statuses.every((s) => s === 401);
      },
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    // A visibility change, the same way.
    await createOwner(reg.url, TOKEN, 'secret', 'public');
    await eventually('the owner public on both workers', async () => (await Promise.all([fresh(info), fresh(info)])).every((r) => r.status === 200), {
      timeoutMs: 5_000,
      intervalMs: 20,
    });
  });

  test('access-log lines of both workers stay whole under load', async () => {
    const url = `${reg.url}/api/packages/acme/go/example.com/workers/@v/v1.0.0.info`;
    const marker = `load-${Date.now()}`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const one = () =>
      new Promise<number>((resolve, reject) =>
        http.get(url, { agent, headers: { 'X-Request-Id': marker } }, (res) => res.resume().on('end', () => resolve(res.statusCode!))).on('error', reject),
      );
    const statuses = await Promise.all(Array.from({ length: 3000 }, one));
    agent.destroy();
    assert.ok(statuses.every((s) => s === 200));
    await eventually('3000 access-log lines', async () => entries(reg).filter((l) => l.reqId === marker).length === 3000);
    const broken = reg.logs.filter((l) => {
      try {
        JSON.parse(l);
        return false;
      } catch {
        return true;
      }
    });
    assert.deepEqual(broken, []);
    assert.equal(new Set(entries(reg).filter((l) => l.reqId === marker).map((l) => l.worker)).size, 2);
  });

  test('a worker that dies is replaced, and the port keeps answering', async () => {
    const [victim] = await childPids(reg.pid);
    process.kill(victim!, 'SIGKILL');
    await eventually('a replacement worker', async () => {
      const pids = await childPids(reg.pid);
      return pids.length === 2 && !pids.includes(victim!);
    });
    // The primary's line reaches us through its stdout pipe, possibly after /proc shows the new worker.
    await eventually('the exit logged with its signal', async () =>
      entries(reg).some((l) => l.msg === 'worker exited: starting another' && l.signal === 'SIGKILL'),
    );
    await eventually('the new worker listening', async () => entries(reg).filter((l) => l.msg === 'worker listening').length === 3);
    for (let i = 0; i < 6; i++) assert.equal((await fresh(`${reg.url}/api/packages/acme/go/example.com/workers/@v/list`)).body, 'v1.0.0\n');
  });

  test('SIGTERM to the primary stops every worker, then the primary', async () => {
    const other = await startRegistryProcess({ ...env, DATA_DIR: path.join(root, 'data-stop') });
    const pids = await childPids(other.pid);
    assert.equal(pids.length, 2);
    await other.stop();
    assert.deepEqual(pids.filter(isAlive), []);
    assert.ok(entries(other).some((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM'));
  });
});

test('WORKERS=2 with METRICS_PORT: the primary serves the aggregated metrics there, the main port none', async () => {
  const metricsPort = await freePort();
  const r = await startRegistryProcess({ ...env, DATA_DIR: path.join(root, 'data-metrics'), METRICS_PORT: String(metricsPort) });
  try {
    for (let i = 0; i < 6; i++) assert.equal((await fresh(`${r.url}/readyz`)).status, 200);
    assert.equal((await fresh(`${r.url}/metrics`)).status, 404);
    const scrape = await fresh(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(scrape.status, 200);
    assert.equal(counter(scrape.body, 'http_request_duration_seconds_count{method="GET",route="/readyz",status="200"}'), 6, scrape.body);
  } finally {
    await r.stop();
  }
});

test('WORKERS=2 without DATABASE_URL is refused at start, naming the reason', async () => {
  const run = promisify(execFile);
  const err = await run(process.execPath, ['dist/registry/main.js'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', WORKERS: '2', DATA_DIR: path.join(root, 'data-pglite'), PORT: '0' },
  }).then(
    () => assert.fail('started'),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(err.code, 2);
  assert.match(err.stderr, /WORKERS=2 needs DATABASE_URL/);
});
