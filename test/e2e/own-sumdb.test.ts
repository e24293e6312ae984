/**
 * The registry's own checksum database with the real go command: GOSUMDB is this
 * registry's verifier key (found through GOPROXY=https://host/go), no GONOSUMDB, no
 * GOPRIVATE, over HTTPS with a test CA and .netrc credentials. A private hosted module
 * and public modules (from the pull-through cache, verified against an upstream checksum
 * database built from x/mod) all verify. Cross-checked with x/mod's sumdb.Client. Then
 * tampering: a zip rewritten on disk is refused by go; a log rewritten in the database
 * (records changed, hashes recomputed, heads re-signed with the real key) is reported
 * by go as SECURITY ERROR against the tree it saw before; other bytes for a logged version
 * are a 409; lookups of a private module are masked; data tiles are the admin's.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { curl } from '../support/curl.js';
import { goClient } from '../support/go-client.js';
import { goSumLines } from '../support/go-sums.js';
import { REPO_ROOT, tempDir } from '../support/paths.js';
import { startPostgres, type PostgresCluster } from '../support/postgres-cluster.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';
import { startStaticGoproxy, type StaticGoproxy, type UpstreamModule } from '../support/static-goproxy.js';
import { referenceKeygen, referenceLookup, startReferenceSumdb, type ReferenceSumdb } from '../support/sumdb-reference.js';
import { createTestCa, type TestCa } from '../support/test-ca.js';
import { moduleEntries, writeZip } from '../support/zip-writer.js';
import { newSigner, verifierKeyOf } from '../../registry/domain/sumdb/note.js';
import { ChecksumLog } from '../../registry/service/checksum-log.js';
import { SqlChecksumLogRepository } from '../../registry/repository/sql/sql-checksum-log.js';
import { PgDatabase } from '../../registry/repository/sql/pg-database.js';
import { sha256 } from '../support/served-state.js';

const ADMIN = 'own-sumdb-admin-token-0123456789';
const NAME = 'sum.registry.test';
let root: string;
let cleanup: () => Promise<void>;
let ca: TestCa;
let upstream: StaticGoproxy;
let upstreamSumdb: ReferenceSumdb;
let postgres: PostgresCluster;
let registry: RegistryProcess;
let vkey: string;
let readToken: string;
let secretZip: string;

const PUBLIC: UpstreamModule[] = [
  { path: 'public.example/greet', version: 'v1.2.0', files: { 'go.mod': 'module public.example/greet\n\ngo 1.21\n', 'greet.go': 'package greet\n\nfunc Hello() string { return "hello" }\n' } },
  { path: 'public.example/util', version: 'v0.3.0', files: { 'go.mod': 'module public.example/util\n\ngo 1.21\n', 'util.go': 'package util\n\nfunc Twice(s string) string { return s + s }\n' } },
];
const SECRET_FILES = (answer: string) => ({
  'go.mod': 'module corp.example/secret\n\ngo 1.21\n\nrequire public.example/util v0.3.0\n',
  'secret.go': `package secret\n\nimport "public.example/util"\n\nvar Answer = util.Twice("${answer}")\n`,
});
/** Stored, not deflated: a tampered zip of the same length differs in one byte of a file. */
const storedZip = (file: string, modulePath: string, version: string, files: Record<string, string>) =>
  writeZip(file, moduleEntries(modulePath, version, files).map((e) => ({ ...e, method: 'store' as const })));

const tls = () => ['--cacert', ca.caFile];
const admin = (method: string, p: string, body?: unknown) =>
  curl([...tls(), '-X', method, '-H', `Authorization: Bearer ${ADMIN}`, '-H', 'Content-Type: application/json', ...(body ? ['--data', JSON.stringify(body)] : []), `${registry.url}${p}`]);
const upload = (owner: string, zip: string) => curl([...tls(), '-H', `Authorization: Bearer ${ADMIN}`, '--upload-file', zip, `${registry.url}/api/packages/${owner}/go/upload`]);

before(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('own-sumdb'));
  ca = await createTestCa(root);
  const cert = await ca.issue('registry');
  upstream = await startStaticGoproxy(root);
  for (const m of PUBLIC) await upstream.add(m);
  const upstreamKeys = await referenceKeygen('sum.upstream.example');
  upstreamSumdb = await startReferenceSumdb({ skey: upstreamKeys.skey, records: await goSumLines(upstream.url, PUBLIC.map((m) => `${m.path}@${m.version}`)) });
  postgres = await startPostgres();
  registry = await startRegistryProcess({
    DATA_DIR: path.join(root, 'data'), DATABASE_URL: postgres.url, REGISTRY_ADMIN_TOKEN: ADMIN, TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.keyFile,
    UPSTREAM_GOPROXY: upstream.url, UPSTREAM_SUMDB: `${upstreamKeys.vkey} ${upstreamSumdb.url}`, SUMDB_NAME: NAME, ZIP_CACHE_MB: '0',
  });
  const key = await curl([...tls(), `${registry.url}/api/sumdb/key`]);
  assert.equal(key.status, 200);
  vkey = key.body.trim();
  assert.match(vkey, new RegExp(`^${NAME.replaceAll('.', '\\.')}\\+[0-9a-f]{8}\\+`));
  assert.equal((await admin('PUT', '/api/admin/owners/corp', { visibility: 'private', claims: ['corp.example'] })).status, 201);
  readToken = JSON.parse((await admin('PUT', '/api/admin/owners/corp/tokens/ci', { scopes: ['read'] })).body).token as string;
  secretZip = await storedZip(path.join(root, 'secret.zip'), 'corp.example/secret', 'v1.0.0', SECRET_FILES('4'));
  const up = await upload('corp', secretZip);
  assert.equal(up.status, 201, up.body);
});
after(async () => {
  await registry?.stop();
  await postgres?.stop();
  await upstreamSumdb?.stop();
  await upstream?.stop();
  await cleanup?.();
});

/** go as a cluster user sets it up: one GOPROXY, one GOSUMDB (this registry's), nothing else. */
async function goFor(name: string, gopath?: string) {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  const go = await goClient(dir, `${registry.url}/go`);
  const netrc = path.join(dir, '.netrc');
  await writeFile(netrc, `machine ${new URL(registry.url).host} login ci password ${readToken}\n`, { mode: 0o600 });
  await writeFile(path.join(go.consumer, 'main.go'),
    'package main\n\nimport (\n\t"fmt"\n\n\t"corp.example/secret"\n\t"public.example/greet"\n)\n\nfunc main() { fmt.Println(greet.Hello(), secret.Answer) }\n');
  const env = { SSL_CERT_FILE: ca.caFile, NETRC: netrc, GOSUMDB: vkey, GONOSUMDB: '', GOPRIVATE: '', GOINSECURE: '', ...(gopath ? { GOPATH: gopath } : {}) };
  return { dir, env, go: (args: string[]) => go.go(args, { env }), consumer: go.consumer };
}

const run = (file: string) => new Promise<string>((resolve, reject) => execFile(file, (err, stdout) => (err ? reject(err) : resolve(stdout))));

test('go verifies hosted (private) and public modules against the registry\'s one checksum database', async () => {
  const c = await goFor('first');
  await c.go(['get', 'corp.example/secret@v1.0.0', 'public.example/greet@v1.2.0']);
  await c.go(['build', '-o', path.join(c.dir, 'app'), '.']);
  assert.equal((await run(path.join(c.dir, 'app'))).trim(), 'hello 44');
  const sums = await readFile(path.join(c.consumer, 'go.sum'), 'utf8');
  for (const m of ['corp.example/secret v1.0.0 h1:', 'public.example/greet v1.2.0 h1:', 'public.example/util v0.3.0/go.mod h1:']) assert.ok(sums.includes(m), `${m} in go.sum`);
  // go kept this database's tree: it did verify against it.
  const latest = await readFile(path.join(c.dir, 'gopath', 'pkg', 'sumdb', NAME, 'latest'), 'utf8');
  assert.match(latest, /^go\.sum database tree\n\d+\n/);
});

test("x/mod's sumdb.Client verifies lookups and tiles, and the consistency of two trees", async () => {
  process.env.SSL_CERT_FILE = ca.caFile;
  const state = path.join(root, 'xmod-client');
  const url = `${registry.url}/sumdb/${NAME}`;
  const first = await referenceLookup({ url, vkey, stateDir: state, modules: ['public.example/greet@v1.2.0', 'public.example/greet@v1.2.0/go.mod'] });
  assert.equal(first.code, 0, first.stderr);
  const expected = await goSumLines(upstream.url, ['public.example/greet@v1.2.0']);
  assert.deepEqual(first.lines.sort(), expected.trim().split('\n').sort(), 'the hashes go computes');
  // The log grows: the client checks the new tree against the one it kept.
  assert.equal((await admin('PUT', '/api/admin/owners/pub', { visibility: 'public' })).status, 201);
  for (const v of ['v1.0.0', 'v1.1.0', 'v1.2.0']) {
    assert.equal((await upload('pub', await storedZip(path.join(root, `pub-${v}.zip`), 'pub.example/lib', v, { 'go.mod': 'module pub.example/lib\n', 'l.go': `package lib // ${v}\n` }))).status, 201);
  }
  const second = await referenceLookup({ url, vkey, stateDir: state, modules: ['pub.example/lib@v1.2.0', 'public.example/greet@v1.2.0'] });
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.lines.length, 2);
});

test('lookups of a private module are masked; data tiles are the admin token\'s', async () => {
  const lookup = (mod: string, auth: string[] = []) => curl([...tls(), ...auth, `${registry.url}/sumdb/${NAME}/lookup/${mod}`]);
  const hidden = await lookup('corp.example/secret@v1.0.0');
  const missing = await lookup('corp.example/secret@v1.0.1');
  assert.equal(hidden.status, 404);
  assert.equal(hidden.body.replace('v1.0.0', 'v'), missing.body.replace('v1.0.1', 'v'), 'a hidden and a missing version answer alike');
  const seen = await lookup('corp.example/secret@v1.0.0', ['--user', `ci:${readToken}`]);
  assert.equal(seen.status, 200);
  assert.match(seen.body, /^\d+\ncorp\.example\/secret v1\.0\.0 h1:\S+\ncorp\.example\/secret v1\.0\.0\/go\.mod h1:\S+\n\ngo\.sum database tree\n/);
  const size = (JSON.parse((await admin('GET', '/api/admin/sumdb')).body) as { size: number }).size;
  const tile = `${registry.url}/sumdb/${NAME}/tile/8/data/000${size < 256 ? `.p/${size}` : ''}`;
  assert.equal((await curl([...tls(), tile])).status, 401);
  assert.equal((await curl([...tls(), '--user', `ci:${readToken}`, tile])).status, 403);
  const data = await curl([...tls(), '-H', `Authorization: Bearer ${ADMIN}`, tile]);
  assert.equal(data.status, 200);
  assert.match(data.body, /corp\.example\/secret v1\.0\.0 h1:/);
  const tileFile = path.join(root, 'hash-tile');
  const hashTile = await curl([...tls(), '-o', tileFile, `${registry.url}/sumdb/${NAME}/tile/8/0/000${size < 256 ? `.p/${size}` : ''}`]);
  assert.equal(hashTile.status, 200, 'hash tiles are public');
  assert.equal((await stat(tileFile)).size, 32 * Math.min(size, 256));
});

test('a logged version is never published with other bytes; identical bytes come back after a delete', async () => {
  const other = await storedZip(path.join(root, 'secret-other.zip'), 'corp.example/secret', 'v1.0.0', SECRET_FILES('5'));
  assert.equal((await admin('DELETE', '/api/packages/corp/go/corp.example/secret/@v/v1.0.0')).status, 204);
  const refused = await upload('corp', other);
  assert.equal(refused.status, 409);
  assert.match(refused.body, /checksum database as h1:\S+ .*publish a new version/);
  assert.equal((await upload('corp', secretZip)).status, 201, 'the same bytes again');
});

/** `npm run sumdb:audit` as an auditor runs it, with the admin token and the test CA. */
const runAudit = (state: string) =>
  new Promise<{ code: number; out: string }>((resolve) =>
    execFile(process.execPath, [path.join(REPO_ROOT, 'dist', 'registry', 'cli', 'sumdb-audit.js'), `${registry.url}/sumdb/${NAME}`, '--state', state], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.caFile, GOREGISTRY_ADMIN_TOKEN: ADMIN },
    }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, out: stdout + stderr })),
  );

test('the audit recomputes the whole log, checks earlier trees are prefixes and every served zip against its record', async () => {
  const state = path.join(root, 'audit-state');
  const first = await runAudit(state);
  assert.equal(first.code, 0, first.out);
  assert.match(first.out, /every record and the root recomputed[\s\S]*served zips checked[\s\S]*audit passed/);
  const second = await runAudit(state);
  assert.equal(second.code, 0, second.out);
  assert.match(second.out, /1 tree\(s\) seen before checked/);
});

test('a zip rewritten on the volume is refused by go', async () => {
  const tampered = await storedZip(path.join(root, 'secret-tampered.zip'), 'corp.example/secret', 'v1.0.0', SECRET_FILES('6'));
  const bytes = await readFile(secretZip);
  const sha = sha256(bytes);
  const blob = path.join(root, 'data', 'storage', 'blobs', 'sha256', sha.slice(0, 2), sha);
  const replacement = await readFile(tampered);
  assert.equal(replacement.length, bytes.length, 'same length: only the content differs');
  const fh = await open(blob, 'r+');
  try {
    await fh.write(replacement, 0, replacement.length, 0);
  } finally {
    await fh.close();
  }
  try {
    const c = await goFor('tampered-zip');
    await assert.rejects(c.go(['mod', 'download', 'corp.example/secret@v1.0.0']), /checksum mismatch[\s\S]*SECURITY ERROR/);
    const audited = await runAudit(path.join(root, 'audit-tampered'));
    assert.equal(audited.code, 1, audited.out);
    assert.match(audited.out, /PROBLEM: corp\.example\/secret@v1\.0\.0: the served zip hashes to h1:\S+, the log says h1:/);
  } finally {
    const fix = await open(blob, 'r+');
    await fix.write(bytes, 0, bytes.length, 0);
    await fix.close();
  }
});

test('a log rewritten in the database is a SECURITY ERROR for a go that saw the tree before', async () => {
  const seen = await goFor('before-rewrite');
  await seen.go(['mod', 'download', 'corp.example/secret@v1.0.0']);
  // An attacker with the database and the signing key rewrites the log: one record changed,
  // every hash and head recomputed and signed, so the log is consistent in itself.
  const db = new PgDatabase(postgres.url);
  try {
    const records = await db.query<{ module_path: string; version: string; zip_hash: string; go_mod_hash: string; owner: string | null }>(
      'SELECT module_path, version, zip_hash, go_mod_hash, owner FROM sumdb_records ORDER BY id',
    );
    await db.query('DELETE FROM sumdb_records');
    await db.query('DELETE FROM sumdb_hashes');
    await db.query('DELETE FROM sumdb_heads');
    const skey = (await readFile(path.join(root, 'data', 'sumdb-signing-key'), 'utf8')).trim();
    const log = new ChecksumLog(newSigner(skey), verifierKeyOf(skey), new SqlChecksumLogRepository(db));
    const repo = new SqlChecksumLogRepository(db);
    const forged = 'h1:' + Buffer.alloc(32, 7).toString('base64');
    for (const r of records) {
      const zipHash = r.module_path === 'corp.example/secret' ? forged : r.zip_hash;
      await repo.transaction((tx) => log.append(tx, { modulePath: r.module_path, version: r.version, zipHash, goModHash: r.go_mod_hash, owner: r.owner ?? undefined }));
    }
    // …and grows it by one, so the new tree's tiles are not the ones go keeps.
    await repo.transaction((tx) => log.append(tx, { modulePath: 'evil.example/x', version: 'v1.0.0', zipHash: forged, goModHash: forged }));
  } finally {
    await db.close();
  }
  // The same GOPATH (where go keeps the newest tree it saw) and the tiles go verified
  // before (its module cache's cache/download/sumdb), no modules: go must look up again.
  const again = await goFor('after-rewrite', path.join(root, 'before-rewrite', 'gopath'));
  const tiles = (name: string) => path.join(root, name, 'modcache', 'cache', 'download', 'sumdb');
  await cp(tiles('before-rewrite'), tiles('after-rewrite'), { recursive: true });
  await assert.rejects(
    again.go(['mod', 'download', 'public.example/greet@v1.2.0', 'pub.example/lib@v1.2.0']),
    /SECURITY ERROR\ngo\.sum database server misbehavior detected/,
  );
});
