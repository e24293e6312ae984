import assert from 'node:assert/strict';
import { test } from 'node:test';
import { presentedSecret } from '../../../registry/http/credentials.js';

const basic = (s: string) => 'Basic ' + Buffer.from(s).toString('base64');

test('the secret is the Basic password (any username) or the Bearer token', () => {
  assert.equal(presentedSecret(basic('your_username:tok:with:colons')), 'tok:with:colons');
  assert.equal(presentedSecret(basic(':tok')), 'tok');
  assert.equal(presentedSecret('Bearer abc'), 'abc');
  assert.equal(presentedSecret('bearer abc'), 'abc');
  assert.equal(presentedSecret('BASIC ' + Buffer.from('u:p').toString('base64')), 'p');
});

test('no usable secret', () => {
  assert.equal(presentedSecret(undefined), undefined);
  assert.equal(presentedSecret(''), undefined);
  assert.equal(presentedSecret('Bearer'), undefined);
  assert.equal(presentedSecret(basic('no-colon')), undefined);
  assert.equal(presentedSecret('Digest abc'), undefined);
});
