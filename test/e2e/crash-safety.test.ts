/**
 * Crash safety by fault injection: the registry process is killed with SIGKILL at
 * each step of a publish, a version delete and a forced owner delete
 * (GOREGISTRY_CRASH_AT, registry/crash-points.ts), then started again on the same data.
 * Every acknowledged upload is there, the interrupted operation either happened whole
 * or not at all (as its step before or after the commit says), every listed version
 * downloads with its published bytes, and after the start-up sweep the storage folder
 * holds exactly the referenced blobs and no temp file. On PGlite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createOwner } from '../support/admin-api.js';
import { isAlive } from '../support/child-processes.js';
import { eventually } from '../support/eventually.js';
import { makeModuleZip } from '../support/module-zips.js';
import { tempDir } from '../support/paths.js';
import { startPostgres, type PostgresCluster } from '../support/postgres-cluster.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';
import { checkServed, sha256, storedFiles, type PublishedVersion } from '../support/served-state.js';

const ADMIN = 'crash-safety-admin-token-0123456789';
const auth = { Authorization: `Bearer ${ADMIN}` };

type Operation = 'publish' | 'delete' | 'owner-delete';
/** [crash point, the operation it interrupts, whether its transaction had committed] */
const POINTS: [string, Operation, boolean][] = [
  ['publish:received', 'publish', false],
  ['publish:validated', 'publish', false],
  ['publish:row-inserted', 'publish', false],
  ['publish:blob-placed', 'publish', false],
  ['publish:committed', 'publish', true],
  ['delete:row-removed', 'delete', false],
  ['delete:committed', 'delete', true],
  ['delete:files-removed', 'delete', true],
  ['owner-delete:rows-removed', 'owner-delete', false],
  ['owner-delete:committed', 'owner-delete', true],
  ['owner-delete:files-removed', 'owner-delete', true],
];

interface Scenario {
  dir: string;
  env: Record<string, string>;
  zips: Map<string, Buffer>;
}

async function upload(url: string, owner: string, zip: Buffer): Promise<Response> {
  return fetch(`${url}/api/packages/${owner}/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: auth });
}

async function zipOf(s: Scenario, modulePath: string, version: string): Promise<Buffer> {
  const key = `${modulePath}@${version}`;
  if (!s.zips.has(key)) s.zips.set(key, await readFile(await makeModuleZip(s.dir, modulePath, version)));
  return s.zips.get(key)!;
}

const published = async (s: Scenario, owner: string, modulePath: string, version: string): Promise<PublishedVersion> => ({
  owner, modulePath, version, zipSha256: sha256(await zipOf(s, modulePath, version)),
});

/** The operation each crash interrupts, sent the way a client sends it. */
async function operate(url: string, s: Scenario, op: Operation): Promise<Response> {
  switch (op) {
    case 'publish':
      return upload(url, 'acme', await zipOf(s, 'example.com/new', 'v1.0.0'));
    case 'delete':
      return fetch(`${url}/api/packages/acme/go/example.com/solo/@v/v1.0.0`, { method: 'DELETE', headers: auth });
    case 'owner-delete':
      return fetch(`${url}/api/admin/owners/acme?force=true`, { method: 'DELETE', headers: auth });
  }
}

/** What must be served after the crash, given whether the interrupted transaction committed. */
async function expectation(s: Scenario, op: Operation, committed: boolean) {
  const base = await published(s, 'acme', 'example.com/base', 'v1.0.0');
  const solo = await published(s, 'acme', 'example.com/solo', 'v1.0.0');
  const sharedAcme = await published(s, 'acme', 'example.com/shared', 'v1.0.0');
  const sharedOther = await published(s, 'other', 'example.com/shared', 'v1.0.0');
  const created = await published(s, 'acme', 'example.com/new', 'v1.0.0');
  const acme = [base, solo, sharedAcme];
  switch (op) {
    case 'publish':
      return committed ? { present: [...acme, sharedOther, created], absent: [] } : { present: [...acme, sharedOther], absent: [created] };
    case 'delete':
      return committed ? { present: [base, sharedAcme, sharedOther], absent: [solo] } : { present: [...acme, sharedOther], absent: [] };
    case 'owner-delete':
      return committed ? { present: [sharedOther], absent: acme } : { present: [...acme, sharedOther], absent: [] };
  }
}

const sweptOnce = (r: RegistryProcess) =>
  eventually('the start-up sweep', async () => /goregistry_sweeps_total\{result="ok"\} [1-9]/.test(await (await fetch(`${r.url}/metrics`)).text()));

for (const database of ['PGlite', 'PostgreSQL'] as const) {
  describe(`kill -9 at every step, on ${database}`, () => {
    let pg: PostgresCluster | undefined;
    let n = 0;
    const running: RegistryProcess[] = [];
    const removals: (() => Promise<void>)[] = [];
    before(async () => {
      if (database === 'PostgreSQL') pg = await startPostgres();
    });
    after(async () => {
      await Promise.all(running.map((r) => r.stop()));
      await pg?.stop();
      await Promise.all(removals.map((r) => r()));
    });
    const start = async (env: Record<string, string>) => {
      const r = await startRegistryProcess(env);
      running.push(r);
      return r;
    };

    /** A registry with acknowledged versions: acme's base, solo and shared (the same bytes as other's shared). */
    const setUp = async (): Promise<Scenario> => {
      const { dir, remove } = await tempDir('crash');
      removals.push(remove);
      const env: Record<string, string> = { DATA_DIR: path.join(dir, 'data'), REGISTRY_ADMIN_TOKEN: ADMIN };
      if (pg) env.DATABASE_URL = await pg.createDatabase(`crash${n++}`);
      const s: Scenario = { dir, env, zips: new Map() };
      const r = await start(env);
      for (const owner of ['acme', 'other']) await createOwner(r.url, ADMIN, owner, 'public');
      for (const [owner, mod] of [['acme', 'example.com/base'], ['acme', 'example.com/solo'], ['acme', 'example.com/shared'], ['other', 'example.com/shared']] as const) {
        const res = await upload(r.url, owner, await zipOf(s, mod, 'v1.0.0'));
        assert.equal(res.status, 201, await res.text());
      }
      await r.stop();
      return s;
    };

    for (const [point, op, committed] of POINTS) {
      test(`${point}: ${committed ? 'all' : 'nothing'} of the ${op} survives, everything listed downloads, nothing is left over`, async () => {
        const s = await setUp();
        const doomed = await start({ ...s.env, GOREGISTRY_CRASH_AT: point });
        await assert.rejects(operate(doomed.url, s, op), 'the process died before it answered');
        await eventually('the process is gone', async () => !isAlive(doomed.pid), { timeoutMs: 10_000, intervalMs: 50 });

        const restarted = await start({ ...s.env, SWEEP_GRACE_SECONDS: '0' });
        await sweptOnce(restarted);
        const expected = await expectation(s, op, committed);
        await checkServed(restarted.url, expected);
        const files = await storedFiles(path.join(s.dir, 'data', 'storage'));
        assert.deepEqual(files.temps, [], 'no temp file left');
        assert.deepEqual(files.blobs, [...new Set(expected.present.map((v) => v.zipSha256))].sort(), 'exactly the referenced blobs');

        // The client retries: it gets what a retry of a finished or never-started operation gets.
        const retry = await operate(restarted.url, s, op);
        const wanted = op === 'publish' ? (committed ? 409 : 201) : committed ? 404 : 204;
        assert.equal(retry.status, wanted, await retry.text());
        await restarted.stop();
      });
    }
  });
}
