/**
 * Found by the differential fuzz tests (test/fuzz): file names judged by this Node.js's
 * Unicode instead of Go's. Node's \p{L} knows letters Go's Unicode 15 tables do not, and
 * JavaScript's full case mapping folds "ß" to "ss", which Go's simple folding never does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkFilePath } from '../../../registry/domain/module-path.js';
import { goFoldCase, isGoLetter } from '../../../registry/domain/unicode-rules.js';

test('non-ASCII file name characters are letters by Go\'s tables', () => {
  // U+323B0 is a letter in Unicode 17 (Node 20's ICU) but not assigned in Go's Unicode 15.
  assert.match(checkFilePath('a/\u{323B0}.go') ?? '', /invalid char/);
  assert.equal(checkFilePath('a/\u00e9t\u00e9.go'), undefined);
  assert.equal(checkFilePath('\u65e5\u672c/\u{20000}.txt'), undefined);
  assert.equal(isGoLetter(0x41), true);
  assert.equal(isGoLetter(0x30), false);
});

test('case folding is Go\'s simple folding (x/mod strToFold)', () => {
  assert.equal(goFoldCase('Go.MOD'), 'go.mod');
  assert.equal(goFoldCase('\u017f'), 's'); // long s folds with s
  assert.equal(goFoldCase('\u212a'), 'k'); // Kelvin sign folds with k
  assert.equal(goFoldCase('\u00df'), '\u00df'); // ß is not "ss"
  assert.equal(goFoldCase('\ufb00'), '\ufb00'); // the ff ligature is not "ff"
  assert.equal(goFoldCase('\u03a3\u03c3\u03c2'), goFoldCase('\u03c3\u03c3\u03c3'));
});
