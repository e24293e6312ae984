// Answers a client must refuse, after golang.org/x/mod/sumdb's client_test.go (TestClientFork,
// TestRejectUnauthenticatedLines) and beyond it: a wrong key, a changed record, ids outside the tree.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { verifyLookup, verifyTree } from '../../../../registry/domain/sumdb/lookup.js';
import { generateKey, newVerifier, sign, verifierList } from '../../../../registry/domain/sumdb/note.js';
import { treeHash } from '../../../../registry/domain/sumdb/tlog.js';
import { formatRecord, formatTree } from '../../../../registry/domain/sumdb/tlog-note.js';
import { addRecord, failsWith, lookup, newRemote, verification, type Remote } from './lookup-fixtures.js';

describe('forks (TestClientFork)', () => {
  test('an answer from another branch of the log is a security error with x/mod\'s report', async () => {
    const { remote: tc, latest } = await newRemote();
    const tc2: Remote = { log: tc.log.fork(), answers: new Map(tc.answers) };
    await addRecord(tc, 'rsc.io/pkg1@v1.5.2', 'rsc.io/pkg1 v1.5.2 h1:hash!=\n');
    await addRecord(tc, 'rsc.io/pkg1@v1.5.4', 'rsc.io/pkg1 v1.5.4 h1:hash!=\n');
    await lookup(tc, latest, 'rsc.io/pkg1', 'v1.5.2');
    await addRecord(tc2, 'rsc.io/pkg1@v1.5.3', 'rsc.io/pkg1 v1.5.3 h1:hash!=\n');
    await addRecord(tc2, 'rsc.io/pkg1@v1.5.4', 'rsc.io/pkg1 v1.5.4 h1:hash!=\n');
    const seen = await lookup(tc2, latest, 'rsc.io/pkg1', 'v1.5.4');
    const answer = tc.answers.get('rsc.io/pkg1@v1.5.2')!;
    await assert.rejects(verifyLookup('rsc.io/pkg1', 'v1.5.2', answer, verification(tc2, seen.latest)), (err: Error & { report?: string }) => {
      assert.ok(failsWith('fork', 'rsc.io/pkg1@v1.5.2: security error: misbehaving server')(err), err.message);
      // x/mod's expected text: Ed25519 signatures are deterministic, so the notes and the proof match byte for byte.
      for (const want of [
        'SECURITY ERROR',
        'go.sum database server misbehavior detected!',
        'old database:\n\tgo.sum database tree\n\t5\n',
        '— localhost.localdev/sumdb AAAMZ5/2FVAd',
        'new database:\n\tgo.sum database tree\n\t6\n',
        '— localhost.localdev/sumdb AAAMZ6oRNswl',
        'proof of misbehavior:\n\tT7i+H/8ER4nXOiw4Bj0k',
      ]) assert.ok(err.report?.includes(want), `report has ${JSON.stringify(want)}:\n${err.report}`);
      return true;
    });
  });

  test('a newer tree that does not extend the latest one is a fork too', async () => {
    const { remote: tc, latest } = await newRemote();
    const tc2: Remote = { log: tc.log.fork(), answers: new Map() };
    await addRecord(tc, 'rsc.io/pkg1@v1.5.2', 'rsc.io/pkg1 v1.5.2 h1:hash!=\n');
    const five = await verifyTree(await tc.log.signedTree(), verification(tc, latest));
    await addRecord(tc2, 'rsc.io/pkg1@v1.5.3', 'rsc.io/pkg1 v1.5.3 h1:hash!=\n');
    await addRecord(tc2, 'rsc.io/pkg1@v1.5.4', 'rsc.io/pkg1 v1.5.4 h1:hash!=\n');
    await assert.rejects(verifyTree(await tc2.log.signedTree(), verification(tc2, five)), failsWith('fork'));
    // And the honest branch's newer tree is accepted.
    await addRecord(tc, 'rsc.io/pkg1@v1.5.4', 'rsc.io/pkg1 v1.5.4 h1:hash!=\n');
    assert.equal((await verifyTree(await tc.log.signedTree(), verification(tc, five))).tree.n, 6);
  });
});

describe('unauthenticated answers (TestRejectUnauthenticatedLines and beyond)', () => {
  test('lines outside the record, even in the signed note, are not returned', async () => {
    const { remote, latest } = await newRemote();
    const id = await remote.log.add('golang.org/x/good@v1.0.0', 'golang.org/x/good v1.0.0 h1:7uVkIFmeBqHfdjD+gZwtXXI+RODJ2Wc4O7MPEh/QiW4=\n');
    const text = formatTree({ n: remote.log.size, hash: await treeHash(remote.log.size, remote.log) }).toString() + 'golang.org/x/bad v1.0.0 h1:7uVkIFmeBqHfdjD+gZwtXXI+RODJ2Wc4O7MPEh/QiW4=\n';
    const answer = Buffer.concat([formatRecord(id, remote.log.records[id]!), sign({ text }, remote.log.signer)]);
    const r = await verifyLookup('golang.org/x/bad', 'v1.0.0', answer, verification(remote, latest));
    assert.deepEqual(r.lines, []);
  });

  test('a note signed by another key', async () => {
    const { remote } = await newRemote();
    const other = verifierList(newVerifier(generateKey('localhost.localdev/sumdb').vkey));
    await assert.rejects(verifyLookup('rsc.io/sampler', 'v1.3.0', remote.answers.get('rsc.io/sampler@v1.3.0')!, { ...verification(remote), verifiers: other }), failsWith('unverified-note', 'reading tree note: note has no verifiable signatures'));
  });

  test('a changed record', async () => {
    const { remote, latest } = await newRemote();
    const answer = Buffer.from(remote.answers.get('rsc.io/sampler@v1.3.0')!.toString().replace('h1:7uVk', 'h1:7uVl'));
    await assert.rejects(verifyLookup('rsc.io/sampler', 'v1.3.0', answer, verification(remote, latest)), failsWith('unauthenticated-record', 'cannot authenticate record data in server response'));
  });

  test('another record\'s id, an id past the tree, a negative id', async () => {
    const { remote, latest } = await newRemote();
    const answer = remote.answers.get('rsc.io/sampler@v1.3.0')!.toString();
    for (const [id, message] of [['1', 'cannot authenticate record data'], ['3', 'cannot validate record 3 in tree of size 3'], ['-2', 'cannot validate record -2']]) {
      const changed = Buffer.from(answer.replace(/^2\n/, `${id}\n`));
      await assert.rejects(verifyLookup('rsc.io/sampler', 'v1.3.0', changed, verification(remote, latest)), failsWith('unauthenticated-record', message), id);
    }
  });

  test('malformed answers', async () => {
    const { remote, latest } = await newRemote();
    const answer = remote.answers.get('rsc.io/sampler@v1.3.0')!.toString();
    const cases: [string, string][] = [
      ['', 'malformed record data'],
      ['x\n' + answer.slice(2), 'malformed record data'],
      [answer.replace('\n\n', '\n'), 'malformed'],
      [answer.replace('go.sum database tree', 'go.sum database tree v2'), 'reading tree note: invalid signature for key localhost.localdev/sumdb+00000c67'],
      [answer.slice(0, answer.indexOf('go.sum')) + sign({ text: 'go.sum database tree v2\n3\n' }, remote.log.signer).toString(), 'reading tree: malformed tree note'],
    ];
    for (const [body, message] of cases) {
      await assert.rejects(verifyLookup('rsc.io/sampler', 'v1.3.0', Buffer.from(body), verification(remote, latest)), (err: Error) =>
        (failsWith('malformed-response')(err) || failsWith('unverified-note')(err)) && err.message.includes(message), JSON.stringify(body.slice(0, 40)));
    }
  });
});
