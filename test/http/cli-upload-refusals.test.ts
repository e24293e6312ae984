/**
 * A large upload the registry refuses before reading it (401, 413) closes the connection
 * under the CLI's body: the CLI still reports the registry's answer and its exit code,
 * not the broken pipe.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCliCaptured } from '../support/cli-run.js';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry } from '../support/in-process-registry.js';
import { tempDir } from '../support/paths.js';

let reg: TestRegistry;
let dir: string;
let cleanup: () => Promise<void>;

before(async () => {
  reg = await startTestRegistry({ MAX_UPLOAD_BYTES: '100000' });
  await reg.createOwner('acme');
  ({ dir, remove: cleanup } = await tempDir('cli-refusals'));
  await writeFile(path.join(dir, 'go.mod'), 'module example.com/big\n\ngo 1.21\n');
  // Random bytes do not compress: the zip is as large as the file.
  await writeFile(path.join(dir, 'data.bin'), randomBytes(16 * 1024 * 1024));
});
after(async () => {
  await reg?.stop();
  await cleanup?.();
});

const publish = (token: string) =>
  runCliCaptured(['publish', dir, '--version', 'v1.0.0', '--owner', 'acme'], { env: { GOREGISTRY_TOKEN: token, GOREGISTRY_URL: reg.url, HOME: dir } });

test('over MAX_UPLOAD_BYTES: exit 4 with the registry\'s 413 text', async () => {
  const run = await publish(ADMIN_TOKEN);
  assert.equal(run.code, 4, run.stderr);
  assert.match(run.stderr, /413 upload too large: the limit is 100000 bytes/);
});

test('a wrong token: exit 3 with the registry\'s 401 text', async () => {
  const run = await publish('gor_wrong-token');
  assert.equal(run.code, 3, run.stderr);
  assert.match(run.stderr, /401/);
});
