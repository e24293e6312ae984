import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goUnquote, modulePathOfGoMod } from '../../../registry/domain/go-mod-file.js';
import { hash1 } from '../../../registry/domain/dirhash.js';

// [go.mod text, module path] — modfile.ModulePath's behaviour.
const cases: [string, string][] = [
  ['module x.y/z\n', 'x.y/z'],
  ['module x.y/z', 'x.y/z'],
  ['  module   x.y/z  // comment\n', 'x.y/z'],
  ['// header\n\nmodule "x.y/z"\n\ngo 1.21\n', 'x.y/z'],
  ['module `x.y/z`\n', 'x.y/z'],
  ['module "x.y/\\u007a"\n', 'x.y/z'],
  ['modulex.y/z\n', ''],
  ['go 1.21\n', ''],
  ['module\n', ''],
  ['module "unterminated\n', ''],
  ['// module x.y/z\nmodule a.b/c\n', 'a.b/c'],
  // Go's bytes.TrimSpace keeps a byte order mark (so the directive is not found, as cmd/go's
  // parser refuses it too) and removes U+0085; JavaScript's trim() does the opposite.
  ['\ufeffmodule x.y/z\r\n', ''],
  ['\u0085module x.y/z\u0085\n', 'x.y/z'],
  // \x and octal escapes are bytes, \u escapes must be valid runes (strconv.Unquote).
  ['module "x\\xc3\\xa9"\n', 'x\u00e9'],
  ['module "x\\303\\251"\n', 'x\u00e9'],
  ['module "x\\ud800"\n', ''],
];
for (const [text, want] of cases) {
  test(`module directive of ${JSON.stringify(text)}`, () => assert.equal(modulePathOfGoMod(Buffer.from(text)), want));
}

test('Go string unquoting', () => {
  assert.equal(goUnquote('"a\\tb\\x41\\101"'), 'a\tbAA');
  assert.equal(goUnquote('"bad\\q"'), undefined);
  assert.equal(goUnquote('no quotes'), undefined);
});

test('dirhash Hash1 sorts names by UTF-8 bytes, as Go does', () => {
  const a = hash1(new Map([['b', '00'], ['a', '11']]));
  const b = hash1(new Map([['a', '11'], ['b', '00']]));
  assert.equal(a, b);
  // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (F0 …) in Go, after it in UTF-16.
  const h = hash1(new Map([['\u{1F600}', '00'], ['\uFF5E', '00']]));
  const { createHash } = require_crypto();
  const want = 'h1:' + createHash('sha256').update('00  \uFF5E\n00  \u{1F600}\n').digest('base64');
  assert.equal(h, want);
  assert.throws(() => hash1(new Map([['a\nb', '00']])));
});

import * as crypto from 'node:crypto';
function require_crypto() {
  return crypto;
}
