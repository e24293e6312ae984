/**
 * The upload validator against module zips: the txtar cases mirror x/mod's own test
 * data; the binary cases cover what a tool-made zip can get wrong at the byte level.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DomainError } from '../../../registry/domain/domain-error.js';
import { checkModuleZip } from '../../../registry/upload/module-zip-check.js';
import { FIXTURES, tempDir } from '../../support/paths.js';
import { readTxtar } from '../../support/txtar.js';
import { moduleEntries, writeZip, type ZipFileSpec } from '../../support/zip-writer.js';

let dir: string;
let cleanup: () => Promise<void>;
before(async () => ({ dir, remove: cleanup } = await tempDir('zipcheck')));
after(() => cleanup());

let n = 0;
const zipOf = (entries: ZipFileSpec[]) => writeZip(path.join(dir, `z${n++}.zip`), entries);

async function refusal(file: string): Promise<string> {
  const err = await checkModuleZip(file).then(
    () => assert.fail('the zip was accepted'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DomainError, `expected a DomainError, got ${err}`);
  assert.equal(err.kind, 'Invalid');
  return err.message;
}

describe('module zip rules (txtar cases mirroring x/mod)', () => {
  const caseDir = path.join(FIXTURES, 'module-zips');
  for (const name of readdirSync(caseDir).filter((f) => f.endsWith('.txtar'))) {
    test(name, async () => {
      const { header, files } = readTxtar(path.join(caseDir, name));
      const file = await zipOf(files.map((f) => ({ name: f.name, data: f.data, method: 'deflate' })));
      const wanted = Object.entries(header).filter(([k]) => k.startsWith('wantErr')).map(([, v]) => v);
      if (wanted.length > 0) {
        const message = await refusal(file);
        for (const w of wanted) assert.ok(message.includes(w), `message:\n${message}\nlacks:\n${w}`);
        return;
      }
      const checked = await checkModuleZip(file);
      if (header.module) assert.equal(checked.modulePath, header.module);
      if (header.version) assert.equal(checked.version, header.version);
      if (header.hash) assert.equal(checked.zipHash, header.hash);
      assert.match(checked.zipHash, /^h1:[A-Za-z0-9+/]{43}=$/);
    });
  }
});

describe('module zip bytes', () => {
  const m = (files: Record<string, string>) => moduleEntries('example.com/m', 'v1.0.0', files);

  test('keeps the go.mod bytes and hashes the synthesized one when absent', async () => {
    const withMod = await checkModuleZip(await zipOf(m({ 'go.mod': 'module example.com/m\n', 'a.go': 'package m\n' })));
    assert.equal(withMod.goMod?.toString(), 'module example.com/m\n');
    const without = await checkModuleZip(await zipOf(m({ 'a.go': 'package m\n' })));
    assert.equal(without.goMod, undefined);
    // Same served go.mod text, same h1: as the zip with that exact go.mod.
    assert.equal(without.goModHash, withMod.goModHash);
  });

  test('refuses a file that is not a zip', async () => {
    const file = path.join(dir, 'not-a-zip');
    await writeFile(file, 'this is plain text, not a zip archive\n');
    assert.match(await refusal(file), /not a valid zip file/);
  });

  test('refuses a truncated zip', async () => {
    const whole = await zipOf(m({ 'go.mod': 'module example.com/m\n', 'a.go': 'package m\n'.repeat(100) }));
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(whole);
    const cut = path.join(dir, 'truncated.zip');
    await writeFile(cut, bytes.subarray(0, bytes.length - 30));
    assert.match(await refusal(cut), /not a valid zip file/);
  });

  test('refuses an empty zip', async () => {
    assert.match(await refusal(await zipOf([])), /zip file has no entries/);
  });

  test('refuses content longer than its declared size (zip bomb guard)', async () => {
    const file = await zipOf([{ name: 'example.com/m@v1.0.0/a.go', data: 'x'.repeat(5000), method: 'deflate', declaredSize: 10 }]);
    assert.match(await refusal(file), /a\.go: corrupt zip entry: uncompressed size (is larger than|does not match) declared size \(10 bytes\)/);
  });

  test('refuses content shorter than its declared size', async () => {
    const file = await zipOf([{ name: 'example.com/m@v1.0.0/a.go', data: 'package m\n', declaredSize: 20, method: 'deflate' }]);
    assert.match(await refusal(file), /a\.go: corrupt zip entry: uncompressed size (10 )?does not match declared size/);
  });

  test('refuses a CRC-32 mismatch', async () => {
    const file = await zipOf([{ name: 'example.com/m@v1.0.0/a.go', data: 'package m\n', crc: 12345, method: 'deflate' }]);
    assert.match(await refusal(file), /a\.go: corrupt zip entry: CRC-32 checksum mismatch/);
  });

  test('refuses encrypted entries and unknown compression methods', async () => {
    const enc = await zipOf([{ name: 'example.com/m@v1.0.0/a.go', data: 'package m\n', flags: 1 }]);
    assert.match(await refusal(enc), /a\.go: encrypted entries are not supported/);
    const bz = await zipOf([{ name: 'example.com/m@v1.0.0/a.go', data: 'package m\n', methodCode: 12 }]);
    assert.match(await refusal(bz), /a\.go: unsupported compression method 12/);
  });

  test('refuses go.mod and LICENSE over 16 MiB and contents over 500 MiB, by declared size', async () => {
    const big = 16 * 1024 * 1024 + 1;
    const mod = await zipOf([{ name: 'example.com/m@v1.0.0/go.mod', data: 'module example.com/m\n', declaredSize: big }]);
    assert.match(await refusal(mod), /go\.mod file too large \(max size is 16777216 bytes\)/);
    const lic = await zipOf([{ name: 'example.com/m@v1.0.0/LICENSE', data: 'MIT\n', declaredSize: big }]);
    assert.match(await refusal(lic), /LICENSE file too large/);
    const huge = await zipOf(
      [0, 1, 2].map((i) => ({ name: `example.com/m@v1.0.0/f${i}.bin`, data: 'x', declaredSize: 200 * 1024 * 1024 })),
    );
    assert.match(await refusal(huge), /total uncompressed size of module contents too large/);
  });
});
