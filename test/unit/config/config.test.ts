import assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { usableCpus, workerCount } from '../../../registry/cluster/worker-count.js';
import { resolveAdminToken } from '../../../registry/config/admin-token.js';
import { ConfigError, loadConfig } from '../../../registry/config/config.js';
import { tempDir } from '../../support/paths.js';

test('defaults', () => {
  const c = loadConfig({});
  assert.equal(c.port, 8080);
  assert.equal(c.host, '0.0.0.0');
  assert.equal(c.dataDir, path.resolve('./data'));
  assert.equal(c.storageDir, path.join(path.resolve('./data'), 'storage'));
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.maxUploadBytes, 500 * 1024 * 1024);
  assert.equal(c.logLevel, 'info');
  assert.equal(c.readCacheBytes, 64 * 1024 * 1024);
  assert.equal(c.zipCacheBytes, 64 * 1024 * 1024);
});

test('values from the environment; empty means unset', () => {
  const c = loadConfig({ PORT: '9000', DATABASE_URL: 'postgres://u@h/db', STORAGE_DIR: '/blobs', MAX_UPLOAD_BYTES: '1024', LOG_LEVEL: '', ZIP_CACHE_MB: '0' });
  assert.equal(c.zipCacheBytes, 0);
  assert.equal(c.port, 9000);
  assert.equal(c.databaseUrl, 'postgres://u@h/db');
  assert.equal(c.storageDir, '/blobs');
  assert.equal(c.maxUploadBytes, 1024);
  assert.equal(c.logLevel, 'info');
});

test('bad values are refused with the variable named', () => {
  assert.throws(() => loadConfig({ PORT: 'eighty' }), (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message));
  assert.throws(() => loadConfig({ ZIP_CACHE_MB: '-1' }), (e: unknown) => e instanceof ConfigError && /ZIP_CACHE_MB/.test(e.message));
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL: must be a postgres/);
  assert.throws(() => loadConfig({ REGISTRY_ADMIN_TOKEN: 'short' }), /REGISTRY_ADMIN_TOKEN: must be at least 16/);
  assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
  assert.throws(() => loadConfig({ MAX_UPLOAD_BYTES: '-1' }), /MAX_UPLOAD_BYTES/);
});

test('admin token: generated once into DATA_DIR with mode 0600, then reused; the environment wins', async (t) => {
  const { dir, remove } = await tempDir('token');
  t.after(remove);
  const first = await resolveAdminToken(undefined, dir);
  assert.equal(first.generated, true);
  assert.match(first.value, /^gor_[A-Za-z0-9_-]{43}$/);
  assert.equal((await stat(first.file!)).mode & 0o777, 0o600);
  const second = await resolveAdminToken(undefined, dir);
  assert.equal(second.value, first.value);
  assert.equal(second.generated, false);
  const fromEnv = await resolveAdminToken('configured-token-123456', dir);
  assert.deepEqual(fromEnv, { value: 'configured-token-123456', file: undefined, generated: false });
  await writeFile(first.file!, 'short\n');
  assert.notEqual((await resolveAdminToken(undefined, dir)).value, 'short', 'a too-short stored token is replaced');
});

test('WORKERS: 1 by default, a number or auto; more than one needs PostgreSQL', () => {
  assert.equal(loadConfig({}).workers, 1);
  assert.equal(loadConfig({ WORKERS: '4', DATABASE_URL: 'postgres://u@h/db' }).workers, 4);
  assert.equal(loadConfig({ WORKERS: 'auto' }).workers, 'auto');
  assert.throws(() => loadConfig({ WORKERS: '0' }), /WORKERS/);
  assert.throws(() => loadConfig({ WORKERS: 'many' }), /WORKERS/);
  assert.throws(
    () => loadConfig({ WORKERS: '2' }),
    (e: unknown) => e instanceof ConfigError && /WORKERS=2 needs DATABASE_URL: the embedded database \(PGlite\) lives in one process/.test(e.message),
  );
});

test('WORKERS=auto: one per CPU of the cgroup quota (a Pod limit), one on the embedded database', () => {
  const cpus = os.availableParallelism();
  assert.equal(usableCpus('max 100000\n'), cpus, 'no quota: every CPU');
  assert.equal(usableCpus(undefined), cpus, 'no cgroup v2');
  assert.equal(usableCpus('100000 100000\n'), 1);
  assert.equal(usableCpus('150000 100000\n'), Math.min(cpus, 2), 'a fraction rounds up');
  assert.equal(usableCpus('50000 100000\n'), 1, 'half a CPU is still one worker');
  assert.equal(usableCpus(`${(cpus + 8) * 100000} 100000`), cpus, 'never more than the CPUs it may run on');
  assert.equal(workerCount({ workers: 'auto', databaseUrl: 'postgres://u@h/db' }, () => 3), 3);
  assert.equal(workerCount({ workers: 'auto', databaseUrl: undefined }, () => 3), 1);
  assert.equal(workerCount({ workers: 2, databaseUrl: 'postgres://u@h/db' }, () => 8), 2);
});

test('BLOB_STORE: fs by default; s3 needs S3_BUCKET; the prefix becomes a folder; S3_* without s3 is refused', () => {
  assert.deepEqual(loadConfig({}).blobStore, { kind: 'fs' });
  assert.deepEqual(
    loadConfig({ BLOB_STORE: 's3', S3_BUCKET: 'zips', S3_PREFIX: '/team/registry/', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_FORCE_PATH_STYLE: 'true' }).blobStore,
    { kind: 's3', bucket: 'zips', prefix: 'team/registry/', region: undefined, endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, redirectSeconds: undefined },
  );
  assert.deepEqual(loadConfig({ BLOB_STORE: 's3', S3_BUCKET: 'zips', S3_REGION: 'eu-west-1' }).blobStore, {
    kind: 's3', bucket: 'zips', prefix: '', region: 'eu-west-1', endpoint: undefined, forcePathStyle: false, redirectSeconds: undefined,
  });
  const redirect = (env: NodeJS.ProcessEnv) => (loadConfig({ BLOB_STORE: 's3', S3_BUCKET: 'zips', ...env }).blobStore as { redirectSeconds?: number }).redirectSeconds;
  assert.equal(redirect({ S3_REDIRECT: 'true' }), 300);
  assert.equal(redirect({ S3_REDIRECT: 'true', S3_REDIRECT_EXPIRES_SECONDS: '60' }), 60);
  assert.equal(redirect({ S3_REDIRECT: 'false', S3_REDIRECT_EXPIRES_SECONDS: '60' }), undefined);
  const refused = (env: NodeJS.ProcessEnv, message: RegExp) =>
    assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && message.test(e.message), JSON.stringify(env));
  refused({ BLOB_STORE: 's3' }, /S3_BUCKET: needed with BLOB_STORE=s3/);
  refused({ BLOB_STORE: 'gcs' }, /BLOB_STORE/);
  refused({ BLOB_STORE: 's3', S3_BUCKET: 'Not_A_Bucket' }, /S3_BUCKET: an S3 bucket name/);
  refused({ BLOB_STORE: 's3', S3_BUCKET: 'zips', S3_ENDPOINT: 'ftp://host' }, /S3_ENDPOINT: an http:\/\/ or https:\/\/ URL/);
  refused({ BLOB_STORE: 's3', S3_BUCKET: 'zips', S3_FORCE_PATH_STYLE: 'yes' }, /S3_FORCE_PATH_STYLE/);
  refused({ S3_BUCKET: 'zips' }, /S3_BUCKET set, but BLOB_STORE is fs/);
  refused({ S3_REDIRECT: 'true' }, /S3_REDIRECT set, but BLOB_STORE is fs/);
  refused({ BLOB_STORE: 's3', S3_BUCKET: 'zips', S3_REDIRECT: 'yes' }, /S3_REDIRECT/);
  refused({ BLOB_STORE: 's3', S3_BUCKET: 'zips', S3_REDIRECT: 'true', S3_REDIRECT_EXPIRES_SECONDS: '86400' }, /S3_REDIRECT_EXPIRES_SECONDS/);
});
