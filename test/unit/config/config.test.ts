import assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
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
});

test('values from the environment; empty means unset', () => {
  const c = loadConfig({ PORT: '9000', DATABASE_URL: 'postgres://u@h/db', STORAGE_DIR: '/blobs', MAX_UPLOAD_BYTES: '1024', LOG_LEVEL: '' });
  assert.equal(c.port, 9000);
  assert.equal(c.databaseUrl, 'postgres://u@h/db');
  assert.equal(c.storageDir, '/blobs');
  assert.equal(c.maxUploadBytes, 1024);
  assert.equal(c.logLevel, 'info');
});

test('bad values are refused with the variable named', () => {
  assert.throws(() => loadConfig({ PORT: 'eighty' }), (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message));
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
