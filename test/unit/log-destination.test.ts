/** The log's destination: a turn's lines written together, in chunks of whole lines that fit a pipe's atomic write. */
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { LineWriter, PIPE_BUF, wholeLineChunks } from '../../registry/log-destination.js';
import { tempDir } from '../support/paths.js';

test('chunks hold whole lines and at most PIPE_BUF bytes; a longer line goes alone', () => {
  const line = (n: number, c = 'a') => c.repeat(n - 1) + '\n';
  const lines = [line(1000), line(1000), line(1000), line(1000), line(1000), line(5000, 'b'), line(10), line(2000, 'é')];
  const chunks = wholeLineChunks(lines, PIPE_BUF);
  assert.equal(chunks.join(''), lines.join(''));
  // Four 1000-byte lines fit, the fifth starts a chunk, the 5000-byte line is alone, the last two (10 + 3999 bytes) share one.
  assert.deepEqual(chunks.map((c) => Buffer.byteLength(c)), [4000, 1000, 5000, 4009]);
  for (const c of chunks) {
    assert.ok(c.endsWith('\n'));
    assert.ok(Buffer.byteLength(c) <= PIPE_BUF || c.split('\n').length === 2, 'only a single line may exceed PIPE_BUF');
  }
  assert.deepEqual(wholeLineChunks([], PIPE_BUF), []);
});

test('lines written during a turn reach the file when it ends, in order', async () => {
  const { dir, remove } = await tempDir('line-writer');
  try {
    const file = path.join(dir, 'log');
    const fd = openSync(file, 'w');
    const writer = new LineWriter(fd);
    for (let i = 0; i < 1000; i++) writer.write(`{"n":${i}}\n`);
    assert.equal(readFileSync(file, 'utf8'), '', 'nothing written before the turn ends');
    await new Promise((r) => setImmediate(r));
    const got = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { n: number }).n);
    assert.deepEqual(got, Array.from({ length: 1000 }, (_, i) => i));
    writer.write('{"n":"last"}\n');
    writer.flushSync();
    assert.match(readFileSync(file, 'utf8'), /"last"\}\n$/);
    closeSync(fd);
  } finally {
    await remove();
  }
});
