/**
 * Three registry replicas on one PostgreSQL 15 and one S3 bucket (versitygw) behave as one
 * registry, with the real go command and curl as clients: an upload acknowledged by one is
 * listed and downloadable on the others at once (even where the list was cached before),
 * concurrent identical uploads to different replicas give exactly one 201, a delete on one is
 * a 404 on all; sweepers with no grace period on every replica never take a blob another
 * replica is committing; a replica whose change notifications are cut never serves what it
 * cached before the cut; an admin eviction of a public module through one reaches what the
 * others keep in memory at once; and a replica killed (SIGKILL) during uploads leaves nothing
 * the others list and cannot serve.
 */
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { generateKey } from '../../registry/domain/sumdb/note.js';
import { createOwner } from '../support/admin-api.js';
import { curl, curlUpload } from '../support/curl.js';
import { eventually } from '../support/eventually.js';
import { goClient } from '../support/go-client.js';
import { makeModuleZip } from '../support/module-zips.js';
import { REPO_ROOT, tempDir } from '../support/paths.js';
import { startPostgres, type PostgresCluster } from '../support/postgres-cluster.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';
import { startStaticGoproxy, type StaticGoproxy } from '../support/static-goproxy.js';
import { registryS3Env, startVersitygw, type Versitygw } from '../support/versitygw.js';

const run = promisify(execFile);
const ADMIN = 'e2e-admin-token-replicas-0123456';
const OWNER = 'acme';
let root: string;
let cleanup: () => Promise<void>;
let db: PostgresCluster;
let gw: Versitygw;
/** The public proxy behind every replica's pull-through cache (/go), with its request log. */
let upstream: StaticGoproxy;
let env: Record<string, string>;
let replicas: RegistryProcess[] = [];

const startReplica = (i: number, extra: Record<string, string> = {}) =>
  startRegistryProcess({ ...env, DATA_DIR: path.join(root, `replica-${i}-${Date.now()}`), ...extra });

before(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('e2e-replicas'));
  [db, gw, upstream] = await Promise.all([startPostgres(), startVersitygw(), startStaticGoproxy(root)]);
  env = {
    UPSTREAM_GOPROXY: upstream.url,
    UPSTREAM_SUMDB: 'off',
    DATABASE_URL: await db.createDatabase('replicas'),
    REGISTRY_ADMIN_TOKEN: ADMIN,
    // Every replica signs the checksum database with the same key (a Secret in the chart).
    SUMDB_NAME: 'sum.replicas.test',
    SUMDB_SIGNING_KEY: generateKey('sum.replicas.test').skey,
    ...registryS3Env(gw, await gw.createBucket()),
    S3_PREFIX: 'registry/',
    // The sweeper takes every unreferenced blob at once, every second, on every replica.
    SWEEP_GRACE_SECONDS: '0',
    SWEEP_INTERVAL_SECONDS: '1',
  };
  // The first migrates; the others find the schema in place.
  replicas = [await startReplica(0)];
  replicas.push(...(await Promise.all([startReplica(1), startReplica(2)])));
  await createOwner(replicas[0]!.url, ADMIN, OWNER, 'public');
});
after(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await gw?.stop();
  await upstream?.stop();
  await db?.stop();
  await cleanup?.();
});

const upload = (r: RegistryProcess, zip: string) => curlUpload(r.url, OWNER, zip, `ci:${ADMIN}`);
const goproxy = (r: RegistryProcess) => `${r.url}/api/packages/${OWNER}/go`;
const get = (r: RegistryProcess, p: string) => curl([`${goproxy(r)}/${p}`]);
const zipHash = (body: string) => (JSON.parse(body) as { zipHash: string }).zipHash;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const metric = (text: string, name: string) => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
const moduleZip = (mod: string, version: string, marker = version) =>
  makeModuleZip(root, mod, version, { 'go.mod': `module ${mod}\n\ngo 1.21\n`, 'v.go': `package v\n\nconst V = "${marker}"\n` });

test('an upload to one replica is listed at once on the others, go mod download through a second, delete through the third', async () => {
  const [a, b, c] = replicas as [RegistryProcess, RegistryProcess, RegistryProcess];
  const mod = 'example.com/shared';
  assert.equal((await upload(a, await moduleZip(mod, 'v1.0.0'))).status, 201);
  // b and c have the list cached (READ_CACHE_MB default) before the next upload.
  for (const r of [b, c]) assert.equal((await get(r, `${mod}/@v/list`)).body, 'v1.0.0\n');
  const up = await upload(a, await moduleZip(mod, 'v1.1.0'));
  assert.equal(up.status, 201, up.body);
  // At once: no waiting for a notification to arrive.
  for (const r of [b, c]) {
    assert.equal((await get(r, `${mod}/@v/list`)).body, 'v1.0.0\nv1.1.0\n', r.url);
    assert.equal(JSON.parse((await get(r, `${mod}/@latest`)).body).Version, 'v1.1.0');
  }
  const go = await goClient(path.join(root, 'go-1'), goproxy(b));
  const got = JSON.parse((await go.go(['mod', 'download', '-json', `${mod}@v1.1.0`])).stdout) as { Sum: string };
  assert.equal(got.Sum, zipHash(up.body));

  const del = await curl(['-X', 'DELETE', '--user', `ci:${ADMIN}`, `${goproxy(c)}/${mod}/@v/v1.1.0`]);
  assert.equal(del.status, 204, del.body);
  for (const r of replicas) {
    assert.equal((await get(r, `${mod}/@v/v1.1.0.info`)).status, 404, r.url);
    assert.equal((await get(r, `${mod}/@v/v1.1.0.zip`)).status, 404, r.url);
    assert.equal((await get(r, `${mod}/@v/list`)).body, 'v1.0.0\n', r.url);
  }
});

test('concurrent identical uploads to the three replicas: exactly one 201, the others 409, one version everywhere', async () => {
  for (let round = 0; round < 5; round++) {
    const zip = await moduleZip('example.com/race', `v0.0.${round}`);
    const statuses = (await Promise.all(replicas.map((r) => upload(r, zip)))).map((u) => u.status).sort();
    assert.deepEqual(statuses, [201, 409, 409], `round ${round}`);
  }
  for (const r of replicas) assert.equal((await get(r, 'example.com/race/@v/list')).body.split('\n').filter(Boolean).length, 5);
});

test('sweepers with no grace on every replica never take a blob being committed: every acknowledged upload downloads', async () => {
  const go = await goClient(path.join(root, 'go-2'), goproxy(replicas[1]!));
  // An object no version references, as a crash between upload and commit leaves: the sweepers' witness.
  const orphan = randomBytes(64);
  const orphanKey = `registry/blobs/sha256/${sha256(orphan).slice(0, 2)}/${sha256(orphan)}`;
  const s3 = gw.client();
  await s3.send(new PutObjectCommand({ Bucket: env.S3_BUCKET, Key: orphanKey, Body: orphan }));
  const acked: { version: string; hash: string }[] = [];
  // Uploads spread over the replicas for a few sweep periods.
  for (let batch = 0; batch < 6; batch++) {
    const ups = await Promise.all(
      replicas.map(async (r, i) => {
        const version = `v1.${batch}.${i}`;
        return { version, res: await upload(r, await moduleZip('example.com/swept', version)) };
      }),
    );
    for (const { version, res } of ups) {
      assert.equal(res.status, 201, res.body);
      acked.push({ version, hash: zipHash(res.body) });
    }
    await new Promise((r) => setTimeout(r, 400));
  }
  // Every replica swept meanwhile, and sweeping works: the blob of the version deleted in the first test went.
  const scrapes = await Promise.all(replicas.map(async (r) => (await curl([`${r.url}/metrics`])).body));
  for (const s of scrapes) assert.ok(metric(s, 'goregistry_sweeps_total{result="ok"}') >= 3, 'every replica swept');
  assert.ok(scrapes.reduce((n, s) => n + metric(s, 'goregistry_swept_files_total{kind="blob"}'), 0) >= 1, 'a sweeper removed an unreferenced blob');
  await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: env.S3_BUCKET, Key: orphanKey })), /NotFound/);
  s3.destroy();
  for (const { version, hash } of acked) {
    const got = JSON.parse((await go.go(['mod', 'download', '-json', `example.com/swept@${version}`])).stdout) as { Sum: string };
    assert.equal(got.Sum, hash, version);
  }
});

test('a replica whose notification connection is cut does not serve what it cached before: a delete elsewhere is a 404 there', async () => {
  const [a, b] = replicas as [RegistryProcess, RegistryProcess];
  const mod = 'example.com/cut';
  assert.equal((await upload(a, await moduleZip(mod, 'v1.0.0'))).status, 201);
  assert.equal((await upload(a, await moduleZip(mod, 'v1.0.1'))).status, 201);
  // b caches the module, then loses its LISTEN connection.
  for (let i = 0; i < 3; i++) {
    assert.equal((await get(b, `${mod}/@v/list`)).body, 'v1.0.0\nv1.0.1\n');
    assert.equal((await get(b, `${mod}/@v/v1.0.1.info`)).status, 200);
  }
  const client = new pg.Client(env.DATABASE_URL);
  await client.connect();
  try {
    const cut = await client.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
    );
    assert.equal(cut.rowCount, replicas.length, 'one LISTEN connection per replica');
    const del = await curl(['-X', 'DELETE', '--user', `ci:${ADMIN}`, `${goproxy(a)}/${mod}/@v/v1.0.1`]);
    assert.equal(del.status, 204);
    // Right after the delete, and while b reconnects: never the cached answer.
    for (let i = 0; i < 5; i++) {
      assert.equal((await get(b, `${mod}/@v/v1.0.1.info`)).status, 404);
      assert.equal((await get(b, `${mod}/@v/list`)).body, 'v1.0.0\n');
    }
    await eventually('every replica listens again', async () => {
      const n = await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'LISTEN%'`);
      return n.rows[0].n === replicas.length;
    });
  } finally {
    await client.end();
  }
  // Listening again, the cache works on: a new upload elsewhere is seen.
  assert.equal((await upload(a, await moduleZip(mod, 'v1.0.2'))).status, 201);
  assert.equal((await get(b, `${mod}/@v/list`)).body, 'v1.0.0\nv1.0.2\n');
});

test("an admin eviction through one replica reaches the others' memory at once: their next read is the upstream's new answer", async () => {
  const [a, b, c] = replicas as [RegistryProcess, RegistryProcess, RegistryProcess];
  const mod = { path: 'public.example/evicted', version: 'v1.0.0', files: { 'go.mod': 'module public.example/evicted\n' } };
  const info = `${mod.path}/@v/v1.0.0.info`;
  const timeOn = async (r: RegistryProcess) => (JSON.parse((await curl([`${r.url}/go/${info}`])).body) as { Time: string }).Time;
  const fetches = () => upstream.requests.filter((p) => p === `/${info}`).length;
  await upstream.add({ ...mod, time: '2024-01-01T00:00:00Z' });
  // b and c store it whole (with its zip) and then answer it from memory, without a database read.
  for (const r of [b, c]) {
    assert.equal((await curl([`${r.url}/go/${mod.path}/@v/v1.0.0.zip`])).status, 200);
    for (let i = 0; i < 3; i++) assert.equal(await timeOn(r), '2024-01-01T00:00:00Z');
  }
  assert.equal(fetches(), 1, 'fetched once for every replica');
  // The upstream's answer changes (a republished version, as an admin who evicts has in mind); a evicts it.
  await upstream.add({ ...mod, time: '2025-06-07T08:09:10Z' });
  const evicted = await curl(['-X', 'DELETE', '-H', `Authorization: Bearer ${ADMIN}`, `${a.url}/api/admin/cache/modules/${mod.path}?version=v1.0.0`]);
  assert.equal(evicted.status, 200, evicted.body);
  // Once the notification arrives (milliseconds), b and c no longer answer from memory, which would hold it for 60 s.
  for (const r of [b, c]) {
    await eventually(`${r.url} answers the upstream's new .info`, async () => (await timeOn(r)) === '2025-06-07T08:09:10Z', { timeoutMs: 5_000 });
  }
  assert.equal(fetches(), 2, 'fetched again once, for every replica');
});

test('a replica killed (SIGKILL) during uploads: what it acknowledged is served by the others, nothing listed is missing', async () => {
  const victim = replicas[2]!;
  const mod = 'example.com/killed';
  const attempts = await Promise.all(Array.from({ length: 12 }, (_, i) => moduleZip(mod, `v1.9.${i}`, `${i}-${'x'.repeat(200_000)}`)));
  const results: { version: string; status: number; hash?: string; body?: string }[] = [];
  const uploads = attempts.map(async (zip, i) => {
    const version = `v1.9.${i}`;
    const res = await upload(victim, zip).catch((err: Error) => ({ status: 0, body: err.message }));
    results.push({ version, status: res.status, ...(res.status === 201 ? { hash: zipHash(res.body) } : { body: res.body.slice(0, 200) }) });
  });
  await eventually('the first upload acknowledged', async () => results.some((r) => r.status === 201), {
    intervalMs: 5,
    context: () => JSON.stringify(results),
  });
  process.kill(victim.pid, 'SIGKILL');
  await Promise.all(uploads);
  replicas = replicas.filter((r) => r !== victim);
  await victim.stop();

  const acked = results.filter((r) => r.status === 201);
  assert.ok(acked.length >= 1 && acked.length < attempts.length, `some uploads acknowledged, not all (${acked.length})`);
  const listed = (await get(replicas[0]!, `${mod}/@v/list`)).body.split('\n').filter(Boolean);
  for (const r of acked) assert.ok(listed.includes(r.version), `${r.version} was acknowledged`);
  // Every listed version downloads, through go, and verifies against its checksum.
  const go = await goClient(path.join(root, 'go-3'), goproxy(replicas[1]!));
  for (const version of listed) {
    const got = JSON.parse((await go.go(['mod', 'download', '-json', `${mod}@${version}`])).stdout) as { Sum: string };
    const hash = acked.find((r) => r.version === version)?.hash;
    if (hash) assert.equal(got.Sum, hash, version);
  }
  // The storage check finds every listed version's blob whole in the bucket.
  const { stdout } = await run(process.execPath, ['dist/registry/main.js', 'check-storage'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, ...env, DATA_DIR: path.join(root, 'check') },
  });
  assert.match(stdout, /: 0 missing, 0 corrupt;/, stdout);
});
