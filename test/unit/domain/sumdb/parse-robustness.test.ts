// x/mod's FuzzParseTilePath, FuzzParseTree and FuzzParseRecord say the parsers never crash; here their seeds,
// randomly edited (a fixed PRNG), must parse or fail with the package's own error, and a parsed tile path round-trips.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NoteError, open, newVerifier, verifierList } from '../../../../registry/domain/sumdb/note.js';
import { BadTilePathError, parseTilePath, tilePath } from '../../../../registry/domain/sumdb/tile.js';
import { TlogError } from '../../../../registry/domain/sumdb/tlog.js';
import { parseRecord, parseTree } from '../../../../registry/domain/sumdb/tlog-note.js';

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['/', 'x', '.', 'p', '.p/', '0', '1', '9', '-', '+', '\n', '\n\n', '=', 'A', ' ', '—', 'data', '\x00', '\r', 'é'];

/** The seed with one to three random insertions, deletions or replacements. */
function edited(seed: string, rand: () => number): string {
  let s = seed;
  for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
    const i = Math.floor(rand() * (s.length + 1));
    const piece = PIECES[Math.floor(rand() * PIECES.length)]!;
    const op = Math.floor(rand() * 3);
    s = op === 0 ? s.slice(0, i) + piece + s.slice(i) : op === 1 ? s.slice(0, i) + s.slice(i + 1) : s.slice(0, i) + piece + s.slice(i + 1);
  }
  return s;
}

function fuzz(seeds: string[], check: (input: string) => void): void {
  const rand = mulberry32(20260202);
  for (let i = 0; i < 3000; i++) check(edited(seeds[i % seeds.length]!, rand));
}

function onlyThrows(fn: () => void, ok: (err: unknown) => boolean, input: string): void {
  try {
    fn();
  } catch (err) {
    assert.ok(ok(err), `${JSON.stringify(input)}: unexpected ${String(err)}`);
  }
}

describe('parsers on edited seeds (FuzzParseTilePath, FuzzParseTree, FuzzParseRecord)', () => {
  test('parseTilePath', () => {
    const seeds = ['tile/4/0/001', 'tile/4/0/001.p/5', 'tile/3/5/x123/x456/078', 'tile/3/5/x123/x456/078.p/2', 'tile/1/0/x003/x057/500', 'tile/3/5/123/456/078', 'tile/3/-1/123/456/078', 'tile/1/data/x003/x057/500'];
    fuzz(seeds, (path) => onlyThrows(() => assert.equal(tilePath(parseTilePath(path)), path), (e) => e instanceof BadTilePathError, path));
  });

  test('parseTree', () => {
    fuzz(['go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n'], (text) =>
      onlyThrows(() => parseTree(text), (e) => e instanceof TlogError, text));
  });

  test('parseRecord', () => {
    fuzz(['12345\nhello\n\n', '0\nrsc.io/quote v1.5.2 h1:w5fcysjrx7yqtD/aO+QwRjYZOKnaM9Uh2b40tElTs3Y=\n\nrest'], (msg) =>
      onlyThrows(() => parseRecord(msg), (e) => e instanceof TlogError, msg));
  });

  test('note.open', () => {
    const known = verifierList(newVerifier('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'));
    const msg = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    fuzz([msg], (m) => onlyThrows(() => open(m, known), (e) => e instanceof NoteError, m));
  });
});
