// TestFormatTree, TestParseTree, TestFormatRecord and TestParseRecord of golang.org/x/mod/sumdb/tlog (note_test.go).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { recordHash, TlogError } from '../../../../registry/domain/sumdb/tlog.js';
import { formatRecord, formatTree, parseRecord, parseTree } from '../../../../registry/domain/sumdb/tlog-note.js';

const goldN = 123456789012;
const goldH = recordHash('hello world');
const treeText = 'go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n';

describe('tree notes (TestFormatTree, TestParseTree)', () => {
  test('FormatTree', () => assert.equal(formatTree({ n: goldN, hash: goldH }).toString(), treeText));

  test('ParseTree', () => assert.deepEqual(parseTree(treeText), { n: goldN, hash: goldH }));

  test('invalid trees', () => {
    const bad = [
      'not-' + treeText,
      'go.sum database tree\n0xabcdef\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n',
      'go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n',
      // Beyond x/mod's table: non-canonical sizes, a short hash, a missing line, too long.
      'go.sum database tree\n+5\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n',
      'go.sum database tree\n05\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n',
      'go.sum database tree\n-0\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n',
      'go.sum database tree\n5\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40Hmuw\n',
      'go.sum database tree\n5\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=',
      treeText + 'x'.repeat(1e6),
    ];
    for (const text of bad) assert.throws(() => parseTree(text), (err: Error) => err instanceof TlogError && err.message === 'malformed tree note', text.slice(0, 80));
  });

  test('junk on the end is ignored', () => {
    for (const good of [treeText + 'JOE', treeText + 'JOE\n', treeText + 'JOE\n'.repeat(1000)]) {
      assert.deepEqual(parseTree(good), { n: goldN, hash: goldH });
    }
  });
});

describe('records (TestFormatRecord, TestParseRecord)', () => {
  test('FormatRecord', () => assert.equal(formatRecord(goldN, 'hello, world\n').toString(), '123456789012\nhello, world\n\n'));

  test('FormatRecord refuses bad texts', () => {
    for (const bad of ['', 'hello\nworld', 'hello\n\nworld\n', 'hello\x01world\n']) {
      assert.throws(() => formatRecord(goldN, bad), /malformed record data/, JSON.stringify(bad));
    }
  });

  test('ParseRecord', () => {
    const junk = Buffer.concat([Buffer.from('junk on end\x01'), Buffer.of(0xff)]);
    const r = parseRecord(Buffer.concat([Buffer.from('123456789012\nhello, world\n\n'), junk]));
    assert.deepEqual({ id: r.id, text: r.text.toString(), rest: Buffer.from(r.rest) }, { id: goldN, text: 'hello, world\n', rest: junk });
    const bare = parseRecord('123456789012\nhello, world\n\n');
    assert.deepEqual({ id: bare.id, text: bare.text.toString(), rest: bare.rest.length }, { id: goldN, text: 'hello, world\n', rest: 0 });
  });

  test('ParseRecord refuses bad records', () => {
    const bad = [
      Buffer.from('not-123456789012\nhello, world\n\n'),
      Buffer.from('123\nhello\x01world\n\n'),
      Buffer.concat([Buffer.from('123\nhello'), Buffer.of(0xff), Buffer.from('world\n\n')]),
      Buffer.from('123\nhello world\n'),
      Buffer.from('0x123\nhello world\n\n'),
    ];
    for (const msg of bad) assert.throws(() => parseRecord(msg), /malformed record data/, JSON.stringify(msg.toString()));
  });
});
