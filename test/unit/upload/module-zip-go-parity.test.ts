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
