// What a client does with lookup answers, after golang.org/x/mod/sumdb's client_test.go (TestClientLookup,
// TestClientBadTiles), with its keys, records and tile height 2.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lookupPath, verifyLookup, verifyTree } from '../../../../registry/domain/sumdb/lookup.js';
import { sign } from '../../../../registry/domain/sumdb/note.js';
import { formatTree } from '../../../../registry/domain/sumdb/tlog-note.js';
import { addRecord, failsWith, lookup, newRemote, NoSuchTile, verification } from './lookup-fixtures.js';

describe('lookup answers (TestClientLookup)', () => {
  test('lines for the version asked, the tree moving forward', async () => {
    const { remote, latest: l1 } = await newRemote();
    const sampler = await lookup(remote, l1, 'rsc.io/sampler', 'v1.3.0');
    assert.deepEqual(sampler.lines, ['rsc.io/sampler v1.3.0 h1:7uVkIFmeBqHfdjD+gZwtXXI+RODJ2Wc4O7MPEh/QiW4=']);
    assert.equal(sampler.latest.tree.n, 3);
    const goMod = await lookup(remote, sampler.latest, 'rsc.io/sampler', 'v1.3.0/go.mod');
    assert.deepEqual(goMod.lines, ['rsc.io/sampler v1.3.0/go.mod h1:T1hPZKmBbMNahiBKFy5HrXp6adAjACjK9JXDnKaTXpA=']);
    // An answer signed with an older tree: checked against the newer one, which stays the latest.
    const quote = await lookup(remote, goMod.latest, 'rsc.io/quote', 'v1.5.2');
    assert.deepEqual(quote.lines, ['rsc.io/quote v1.5.2 h1:w5fcysjrx7yqtD/aO+QwRjYZOKnaM9Uh2b40tElTs3Y=', 'rsc.io/quote v1.5.2 h2:xyzzy']);
    assert.equal(quote.latest, goMod.latest);
    const upper = await lookup(remote, quote.latest, 'rsc.io/Quote', 'v1.5.2');
    assert.deepEqual(upper.lines, ['rsc.io/Quote v1.5.2 h1:uppercase!=']);
    assert.equal(upper.latest.tree.n, 4);
  });

  test('lookup paths are case-encoded, without /go.mod', () => {
    assert.equal(lookupPath('rsc.io/Quote', 'v1.5.2'), 'lookup/rsc.io/!quote@v1.5.2');
    assert.equal(lookupPath('rsc.io/sampler', 'v1.3.0/go.mod'), 'lookup/rsc.io/sampler@v1.3.0');
    assert.equal(lookupPath('example.com/m', 'v1.0.0-RC1'), 'lookup/example.com/m@v1.0.0-!r!c1');
    assert.throws(() => lookupPath('example.com/m', 'v1.0.0/x'), /disallowed version string/);
    assert.throws(() => lookupPath('-bad', 'v1.0.0'), /leading dash/);
  });

  test('a partial tile the server no longer has is cut from its full tile', async () => {
    const { remote, latest } = await newRemote();
    await addRecord(remote, 'rsc.io/pkg1@v1.5.2', 'rsc.io/pkg1 v1.5.2 h1:hash!=\n'); // record 4, answer signed with tree 5
    for (const v of ['v1.5.4', 'v1.5.5', 'v1.5.6']) await remote.log.add(`rsc.io/pkg1@${v}`, `rsc.io/pkg1 ${v} h1:hash!=\n`);
    // The log has 8 records now: tile/2/0/001 is complete, and this server drops the partial tiles it replaced.
    const served = verification(remote, latest);
    const requested: string[] = [];
    const readTile = async (path: string) => {
      requested.push(path);
      const full = path.replace(/\.p\/\d+$/, '');
      if (full !== path && (await remote.log.tile(full))) throw new NoSuchTile(`/${path} was replaced by /${full}`);
      return served.readTile(path);
    };
    const r = await verifyLookup('rsc.io/pkg1', 'v1.5.2', remote.answers.get('rsc.io/pkg1@v1.5.2')!, { ...served, readTile });
    assert.deepEqual(r.lines, ['rsc.io/pkg1 v1.5.2 h1:hash!=']);
    assert.equal(r.latest.tree.n, 5);
    assert.ok(requested.includes('tile/2/0/001.p/1') && requested.includes('tile/2/0/001'), requested.join(' '));
  });
});

describe('bad tiles (TestClientBadTiles)', () => {
  const flipBits = (data: Buffer) => Buffer.from(data.map((b) => b ^ 0x80));

  test('tiles with flipped bits are refused; the same lookup then succeeds', async () => {
    const { remote, latest } = await newRemote();
    remote.tamper = flipBits;
    await assert.rejects(lookup(remote, latest, 'rsc.io/sampler', 'v1.3.0'), failsWith('inconsistent-tiles', 'rsc.io/sampler@v1.3.0: checking tree#1 against tree#3: downloaded inconsistent tile'));
    remote.tamper = undefined;
    const ok = await lookup(remote, latest, 'rsc.io/sampler', 'v1.3.0');
    remote.tamper = flipBits;
    await assert.rejects(lookup(remote, ok.latest, 'rsc.io/Quote', 'v1.5.2'), failsWith('inconsistent-tiles', 'checking tree#3 against tree#4: downloaded inconsistent tile'));
  });

  test('a tile of the wrong length is refused', async () => {
    const { remote, latest } = await newRemote();
    remote.tamper = (data) => data.subarray(0, data.length - 1);
    await assert.rejects(lookup(remote, latest, 'rsc.io/sampler', 'v1.3.0'), failsWith('inconsistent-tiles', 'TileReader returned bad result slice'));
  });

  test('a signed starting tree the tiles do not support is a fork', async () => {
    const { remote } = await newRemote();
    const bogus = sign({ text: formatTree({ n: 1, hash: Buffer.alloc(32) }).toString() }, remote.log.signer);
    const latest = await verifyTree(bogus, verification(remote));
    await assert.rejects(lookup(remote, latest, 'rsc.io/sampler', 'v1.3.0'), failsWith('fork', 'security error: misbehaving server'));
  });

  test("a tile reader's own errors pass through", async () => {
    const { remote, latest } = await newRemote();
    const missing = new NoSuchTile('gone');
    await assert.rejects(verifyLookup('rsc.io/sampler', 'v1.3.0', remote.answers.get('rsc.io/sampler@v1.3.0')!, { ...verification(remote, latest), readTile: () => Promise.reject(missing) }), (err) => err === missing);
  });
});
