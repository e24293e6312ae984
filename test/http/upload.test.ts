/** PUT /api/packages/{owner}/go/upload through the real HTTP stack (PGlite + filesystem). */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { makeModuleZip } from '../support/module-zips.js';
import { tempDir } from '../support/paths.js';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry } from '../support/in-process-registry.js';

let reg: TestRegistry;
let dir: string;
let cleanup: () => Promise<void>;
before(async () => {
  reg = await startTestRegistry({ MAX_UPLOAD_BYTES: String(64 * 1024) });
  ({ dir, remove: cleanup } = await tempDir('upload'));
  for (const owner of ['acme', 'other-owner']) await reg.createOwner(owner);
});
after(async () => {
  await reg.stop();
  await cleanup();
});

const uploadUrl = (owner = 'acme') => `${reg.url}/api/packages/${owner}/go/upload`;
const put = (body: BodyInit, headers: Record<string, string> = {}, owner?: string) =>
  fetch(uploadUrl(owner), { method: 'PUT', body, headers: { Authorization: reg.auth, ...headers }, duplex: 'half' } as RequestInit);

async function assertRefused(res: Response, status: number, pattern: RegExp) {
  const text = await res.text();
  assert.equal(res.status, status, text);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  assert.match(text, pattern);
}

async function assertNothingStored(before: { temp: string[]; blobs: string[] }) {
  const now = await reg.storedFiles();
  assert.deepEqual(now.temp, [], 'no temp file remains');
  assert.deepEqual(now.blobs.sort(), before.blobs.sort(), 'no blob was added');
}

describe('upload', () => {
  test('201 with the module, version and Go hashes; then 409 for the same version', async () => {
    const zip = await readFile(await makeModuleZip(dir, 'example.com/up', 'v1.0.0'));
    const res = await put(zip);
    assert.equal(res.status, 201);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.module, 'example.com/up');
    assert.equal(body.version, 'v1.0.0');
    assert.equal(body.owner, 'acme');
    assert.equal(body.size, zip.length);
    assert.match(String(body.zipHash), /^h1:/);
    const stored = await reg.storedFiles();
    await assertRefused(await put(zip), 409, /example\.com\/up@v1\.0\.0 already exists/);
    await assertNothingStored(stored);
    // Another owner has its own namespace.
    assert.equal((await put(zip, {}, 'other-owner')).status, 201);
  });

  test('401 with a Basic challenge without or with wrong credentials; Bearer works', async () => {
    const zip = await readFile(await makeModuleZip(dir, 'example.com/auth', 'v1.0.0'));
    const none = await fetch(uploadUrl(), { method: 'PUT', body: zip });
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    await assertRefused(none, 401, /authentication required/);
    const wrong = await put(zip, { Authorization: 'Basic ' + Buffer.from('u:wrong').toString('base64') });
    await assertRefused(wrong, 401, /invalid, revoked or expired token/);
    assert.equal((await put(zip, { Authorization: `Bearer ${ADMIN_TOKEN}` })).status, 201);
  });

  test('400 for an invalid owner name', async () => {
    const zip = await readFile(await makeModuleZip(dir, 'example.com/own', 'v1.0.0'));
    await assertRefused(await put(zip, {}, 'Bad_Owner'), 400, /invalid owner name/);
  });

  test('400 naming the problem for a non-zip, an empty body and an invalid module; nothing stored', async () => {
    const stored = await reg.storedFiles();
    await assertRefused(await put('definitely not a zip file'), 400, /not a valid zip file/);
    await assertRefused(await put(''), 400, /empty upload/);
    const bad = await readFile(await makeModuleZip(dir, 'example.com/bad', 'v2.0.0'));
    await assertRefused(await put(bad), 400, /invalid version: should be v0 or v1, not v2/);
    await assertNothingStored(stored);
  });

  test('413 when Content-Length is over the limit, before reading the body', async () => {
    const stored = await reg.storedFiles();
    await assertRefused(await put(Buffer.alloc(64 * 1024 + 1)), 413, /upload too large: the limit is 65536 bytes/);
    await assertNothingStored(stored);
  });

  test('413 when a chunked body grows over the limit', async () => {
    const stored = await reg.storedFiles();
    const chunks = Array.from({ length: 20 }, () => Buffer.alloc(8 * 1024, 1));
    const body = Readable.toWeb(Readable.from(chunks)) as ReadableStream;
    const res = await put(body as unknown as BodyInit).catch((err: Error) => err);
    // The server may close the connection while the client still sends; either way nothing is stored.
    if (res instanceof Response) await assertRefused(res, 413, /upload too large/);
    await assertNothingStored(stored);
  });

  test('multipart/form-data: the first file part is the zip', async () => {
    const zip = await readFile(await makeModuleZip(dir, 'example.com/multi', 'v1.0.0'));
    const form = new FormData();
    form.append('comment', 'not a file');
    form.append('file', new Blob([zip]), 'module.zip');
    form.append('second', new Blob([Buffer.from('ignored')]), 'other.zip');
    const res = await put(form);
    assert.equal(res.status, 201, await res.clone().text());
    assert.equal(((await res.json()) as { module: string }).module, 'example.com/multi');
    const noFile = new FormData();
    noFile.append('comment', 'no file here');
    await assertRefused(await put(noFile), 400, /multipart body has no file part/);
  });

  test('concurrent uploads of one version: exactly one 201, the rest 409', async () => {
    const zips = await Promise.all(
      Array.from({ length: 6 }, (_, i) => makeModuleZip(dir, 'example.com/race', 'v1.0.0', { 'go.mod': 'module example.com/race\n', [`f${i}.go`]: 'package race\n' })),
    );
    const statuses = await Promise.all(zips.map(async (z) => (await put(await readFile(z))).status));
    assert.deepEqual(statuses.sort(), [201, 409, 409, 409, 409, 409]);
    const { temp } = await reg.storedFiles();
    assert.deepEqual(temp, []);
  });
});
