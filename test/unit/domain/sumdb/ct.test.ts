// TestCertificateTransparency of golang.org/x/mod/sumdb/tlog (ct_test.go): our proofs check real RFC 6962 ones,
// answers of Google's Argon 2020 log kept in test/fixtures/sumdb/argon2020.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseHash, recordHash, TlogError } from '../../../../registry/domain/sumdb/tlog.js';
import { checkRecord, checkTree } from '../../../../registry/domain/sumdb/tlog-proof.js';
import { FIXTURES } from '../../../support/paths.js';

const readJSON = (name: string) => JSON.parse(readFileSync(path.join(FIXTURES, 'sumdb', 'argon2020', name), 'utf8'));

test('Certificate Transparency proofs (TestCertificateTransparency)', () => {
  const root = readJSON('sth.json') as { tree_size: number; sha256_root_hash: string };
  const leaf = readJSON('entries.json') as { entries: { leaf_input: string }[] };
  const rp = readJSON('proof.json') as { leaf_index: number; audit_path: string[] };
  const tp = readJSON('consistency.json') as { consistency: string[] };
  const rootHash = parseHash(root.sha256_root_hash);
  const hash = recordHash(Buffer.from(leaf.entries[0]!.leaf_input, 'base64'));

  checkRecord(rp.audit_path.map(parseHash), root.tree_size, rootHash, 10000, hash);
  const oh = parseHash('AuIZ5V6sDUj1vn3Y1K85oOaQ7y+FJJKtyRTl1edIKBQ=');
  checkTree(tp.consistency.map(parseHash), root.tree_size, rootHash, 3654490, oh);

  // And they fail for another record, another old size or another old hash.
  const refused = (err: Error) => err instanceof TlogError && err.message === 'invalid transparency proof';
  assert.throws(() => checkRecord(rp.audit_path.map(parseHash), root.tree_size, rootHash, 10001, hash), refused);
  assert.throws(() => checkTree(tp.consistency.map(parseHash), root.tree_size, rootHash, 3654491, oh), refused);
  assert.throws(() => checkTree(tp.consistency.map(parseHash), root.tree_size, rootHash, 3654490, hash), refused);
});
