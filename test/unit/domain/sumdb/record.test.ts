// Record texts: the two go.sum lines of a module version.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomainError } from '../../../../registry/domain/domain-error.js';
import { formatGoSumLine, moduleRecordText, parseGoSumLine, parseRecordText } from '../../../../registry/domain/sumdb/record.js';

const zip = 'h1:7uVkIFmeBqHfdjD+gZwtXXI+RODJ2Wc4O7MPEh/QiW4=';
const mod = 'h1:T1hPZKmBbMNahiBKFy5HrXp6adAjACjK9JXDnKaTXpA=';
const text = `rsc.io/sampler v1.3.0 ${zip}\nrsc.io/sampler v1.3.0/go.mod ${mod}\n`;

describe('record texts', () => {
  test('a module version\'s record: zip line, then go.mod line', () => {
    assert.equal(moduleRecordText('rsc.io/sampler', 'v1.3.0', zip, mod), text);
    assert.deepEqual(parseRecordText(text), [
      { path: 'rsc.io/sampler', version: 'v1.3.0', goMod: false, hash: zip },
      { path: 'rsc.io/sampler', version: 'v1.3.0', goMod: true, hash: mod },
    ]);
    for (const line of text.slice(0, -1).split('\n')) assert.equal(formatGoSumLine(parseGoSumLine(line)), line);
  });

  test('other hash kinds parse (the go command treats the hash as opaque)', () => {
    assert.deepEqual(parseGoSumLine('rsc.io/quote v1.5.2 h2:xyzzy'), { path: 'rsc.io/quote', version: 'v1.5.2', goMod: false, hash: 'h2:xyzzy' });
  });

  test('malformed lines and texts', () => {
    for (const line of ['rsc.io/quote v1.5.2', 'rsc.io/quote  v1.5.2 h1:x', 'rsc.io/quote v1.5.2 h1:x extra', ' rsc.io/quote v1.5.2 h1:x', 'a\tb c']) {
      assert.throws(() => parseGoSumLine(line), DomainError, JSON.stringify(line));
    }
    for (const bad of ['', text.slice(0, -1), text + '\n', text.replace('\n', '\n\n')]) {
      assert.throws(() => parseRecordText(bad), DomainError, JSON.stringify(bad));
    }
  });

  test('building refuses what a checksum database must not hold', () => {
    assert.throws(() => moduleRecordText('rsc.io/sampler', 'v1.3', zip, mod), /not canonical/);
    assert.throws(() => moduleRecordText('rsc.io/sampler/v2', 'v1.3.0', zip, mod), /should be v2, not v1/);
    assert.throws(() => moduleRecordText('Bad Path', 'v1.3.0', zip, mod), DomainError);
    assert.throws(() => moduleRecordText('rsc.io/sampler', 'v1.3.0', 'h1:short=', mod), /malformed h1/);
  });
});
