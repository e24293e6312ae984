/** The generated checksum database key: of many starts at once on one folder, one key wins and every start reads it whole. */
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { resolveSumdbKey } from '../../../registry/config/sumdb-key.js';
import { tempDir } from '../../support/paths.js';

test('starts racing on an empty data folder agree on one key; no temporary file is left', async () => {
  const { dir: root, remove } = await tempDir('sumdb-key');
  try {
    // Many rounds of starts at once. The race this guards against (a start reading the file between another
    // process's create and write) was seen once, across processes, in e2e/replicas; it does not reproduce on demand.
    for (let round = 0; round < 100; round++) {
      const fresh = path.join(root, String(round));
      const racing = await Promise.all(Array.from({ length: 8 }, () => resolveSumdbKey({ key: undefined, keyFile: undefined, name: 'race.example', dataDir: fresh })));
      assert.equal(new Set(racing.map((k) => k.verifierKey)).size, 1, `round ${round}`);
    }
    const dir = path.join(root, '0');
    const keys = [await resolveSumdbKey({ key: undefined, keyFile: undefined, name: 'race.example', dataDir: dir })];
    assert.equal(new Set(keys.map((k) => k.verifierKey)).size, 1);
    assert.deepEqual(await readdir(dir), ['sumdb-signing-key']);
    assert.equal((await stat(path.join(dir, 'sumdb-signing-key'))).mode & 0o777, 0o600);
    const again = await resolveSumdbKey({ key: undefined, keyFile: undefined, name: 'race.example', dataDir: dir });
    assert.equal(again.verifierKey, keys[0]!.verifierKey);
    assert.equal(again.generated, false);
  } finally {
    await remove();
  }
});
