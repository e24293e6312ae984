/**
 * Zips on which the registry and the go command (golang.org/x/mod/zip, archive/zip)
 * once disagreed, found by the differential fuzz tests (test/fuzz/zip-parser.test.ts).
 * Each case is refused or accepted exactly as go does.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { DomainError } from '../../../registry/domain/domain-error.js';
import { checkModuleZip } from '../../../registry/upload/module-zip-check.js';
import { tempDir } from '../../support/paths.js';
import { zipBytes, type ZipArchiveSpec, type ZipFileSpec } from '../../support/zip-writer.js';

let dir: string;
let cleanup: () => Promise<void>;
before(async () => ({ dir, remove: cleanup } = await tempDir('zip-parity')));
after(() => cleanup());

let n = 0;
async function check(entries: ZipFileSpec[], archive: ZipArchiveSpec = {}) {
  const file = path.join(dir, `z${n++}.zip`);
  await writeFile(file, zipBytes(entries, archive));
  return checkModuleZip(file);
}
async function refusal(entries: ZipFileSpec[], archive: ZipArchiveSpec = {}): Promise<string> {
  const err = await check(entries, archive).then(() => assert.fail('the zip was accepted'), (e: unknown) => e);
  assert.ok(err instanceof DomainError && err.kind === 'Invalid', `expected an Invalid DomainError, got ${err}`);
  return err.message;
}
const at = (name: string) => `example.com/m@v1.0.0/${name}`;

test('"ß.go" and "ss.go" do not collide (Go folds simply; JavaScript upper-cases ß to SS)', async () => {
  const checked = await check([{ name: at('\u00df.go'), data: 'package m\n' }, { name: at('ss.go'), data: 'package m\n' }]);
  assert.equal(checked.fileCount, 2);
  assert.match(await refusal([{ name: at('\u017f.go'), data: 'package m\n' }, { name: at('s.go'), data: 'package m\n' }]), /case-insensitive file name collision/);
});

const file = (name: string, data = 'package m\n'): ZipFileSpec => ({ name: at(name), data, method: 'deflate' });

test('the data descriptor flag: its descriptor must be there and carry the central CRC-32', async () => {
  assert.equal((await check([file('a.go'), { ...file('b.go'), dataDescriptor: true }])).fileCount, 2);
  assert.equal((await check([{ ...file('b.go'), dataDescriptor: 'nosig' }, file('a.go')])).fileCount, 2);
  // Bit 3 set but no descriptor written: go reads the next header's bytes as one and fails the CRC.
  assert.match(await refusal([{ ...file('b.go'), flags: 0x8 }, file('a.go')]), /b\.go: corrupt zip entry/);
  assert.match(await refusal([file('a.go'), { ...file('b.go'), flags: 0x8 }]), /b\.go: corrupt zip entry: the data descriptor/);
});

test('a CRC-32 of zero in the headers is not checked (archive/zip: "if it seems like it was set")', async () => {
  assert.equal((await check([{ ...file('a.go'), crc: 0 }])).fileCount, 1);
});

test('a directory entry needs its local header, as go opens it to hash it', async () => {
  const bytes = zipBytes([{ name: at('sub/') }, file('sub/a.go')]);
  bytes.writeUInt32LE(0, 0); // the directory's local header signature
  const name = path.join(dir, `z${n++}.zip`);
  await writeFile(name, bytes);
  const err = await checkModuleZip(name).then(() => assert.fail('accepted'), (e: Error) => e);
  assert.match(err.message, /sub\/: corrupt zip entry: invalid local file header signature/);
});

test('the central directory is read where go reads it, with the entries go reads', async () => {
  const entries = [file('a.go'), file('b.go')];
  // A size that puts go's directory start before the file: archive/zip refuses.
  assert.match(await refusal(entries, { end: { centralSize: 100000 } }), /not a valid zip file: the central directory does not start inside the file/);
  // One header more than the end record counts: go reads it and refuses the count.
  assert.match(await refusal(entries, { end: { entries: 1 } }), /not a valid zip file: the central directory has more entries than its end record counts/);
  assert.match(await refusal([{ ...file('a.go'), compressedSize: 0xffffffff }]), /without a zip64 extra field/);
});

test('a compressed size past the end of the file is read up to the end, as go reads it', async () => {
  assert.equal((await check([file('a.go'), { ...file('b.go'), compressedSize: 100000 }])).fileCount, 2);
});

test('repeated directory entries: only the last is opened, and each counts in the h1: hash', async () => {
  const entries = [{ name: at('sub/'), data: 'x' }, { name: at('sub/') }, file('sub/a.go')];
  const checked = await check(entries);
  const { hash1 } = await import('../../../registry/domain/dirhash.js');
  const { createHash } = await import('node:crypto');
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  assert.equal(checked.zipHash, hash1([[at('sub/'), sha('')], [at('sub/'), sha('')], [at('sub/a.go'), sha('package m\n')]]));
});

test('a directory entry\'s compression method does not matter (go never decompresses it)', async () => {
  assert.equal((await check([{ name: at('sub/'), methodCode: 93 }, file('sub/a.go')])).fileCount, 2);
});
