/** GOPROXY URL tails: the requests go makes, case-decoded; anything else undefined — also when asked again (memoized). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGoproxyRequest } from '../../../registry/goproxy/goproxy-request.js';

test('requests go makes, asked twice give the same answer', () => {
  for (let round = 0; round < 2; round++) {
    assert.deepEqual(parseGoproxyRequest('example.com/!my!lib/@v/list'), { kind: 'list', modulePath: 'example.com/MyLib' });
    assert.deepEqual(parseGoproxyRequest('example.com/!my!lib/@latest'), { kind: 'latest', modulePath: 'example.com/MyLib' });
    assert.deepEqual(parseGoproxyRequest('example.com/!my!lib/@v/v1.0.0-!r!c1.info'), { kind: 'info', modulePath: 'example.com/MyLib', version: 'v1.0.0-RC1' });
    assert.deepEqual(parseGoproxyRequest('example.com/m/v2/@v/v2.1.0.zip'), { kind: 'zip', modulePath: 'example.com/m/v2', version: 'v2.1.0' });
    assert.deepEqual(parseGoproxyRequest('example.com%2Fm/@v/v1.0.0.mod'), { kind: 'mod', modulePath: 'example.com/m', version: 'v1.0.0' });
  }
});

test('anything else, asked twice, stays undefined', () => {
  for (let round = 0; round < 2; round++) {
    for (const tail of ['example.com/MyLib/@v/list', 'example.com/m/@v/v1.0.0.txt', 'sumdb/sum.golang.org/supported', '%E0%A4%A/@v/list', '../x/@v/list', 'example.com/m/@v/']) {
      assert.equal(parseGoproxyRequest(tail), undefined, tail);
    }
  }
});
