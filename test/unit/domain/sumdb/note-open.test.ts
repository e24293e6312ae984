// TestOpen of golang.org/x/mod/sumdb/note, and the package example's message.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  newVerifier,
  NoteError,
  open,
  UnverifiedNoteError,
  verifierList,
  type Signature,
  type Verifiers,
} from '../../../../registry/domain/sumdb/note.js';

const peterVerifier = newVerifier('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW');
const enochVerifier = newVerifier('EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop');
const text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const peterSig = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const enochSig = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
const peter: Signature = { name: 'PeterNeumann', hash: 0xc74f20a3, base64: 'x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=' };
const enoch: Signature = { name: 'EnochRoot', hash: 0xaf0cfe78, base64: 'rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=' };

const throwsMessage = (fn: () => unknown, message: string) =>
  assert.throws(fn, (err: Error) => err instanceof NoteError && err.message === message);

/** splices "ABCD" into a signature line at byte 60, as note_test.go does (the em dash is 3 bytes). */
const spliceABCD = (line: string) => {
  const b = Buffer.from(line);
  return Buffer.concat([b.subarray(0, 60), Buffer.from('ABCD'), b.subarray(60)]).toString();
};

describe('Open (TestOpen)', () => {
  test('the package example opens with its key', () => {
    const n = open(Buffer.from(text + '\n' + peterSig), verifierList(peterVerifier));
    assert.equal(n.text, text);
    assert.deepEqual(n.sigs, [peter]);
  });

  test('one signature verified, one not', () => {
    const n = open(text + '\n' + peterSig + enochSig, verifierList(peterVerifier));
    assert.equal(n.text, text);
    assert.deepEqual(n.sigs, [peter]);
    assert.deepEqual(n.unverifiedSigs, [enoch]);
  });

  test('both verified', () => {
    const n = open(text + '\n' + peterSig + enochSig, verifierList(peterVerifier, enochVerifier));
    assert.deepEqual(n.sigs, [peter, enoch]);
    assert.deepEqual(n.unverifiedSigs, []);
  });

  test('both unverified: UnverifiedNoteError holds the note', () => {
    assert.throws(
      () => open(text + '\n' + peterSig + enochSig, verifierList()),
      (err: Error) => {
        assert.ok(err instanceof UnverifiedNoteError);
        assert.equal(err.message, 'note has no verifiable signatures');
        assert.deepEqual(err.note.sigs, []);
        assert.deepEqual(err.note.unverifiedSigs, [peter, enoch]);
        return true;
      },
    );
  });

  test('a duplicated verifier is ambiguous only when used', () => {
    throwsMessage(() => open(text + '\n' + enochSig, verifierList(enochVerifier, peterVerifier, enochVerifier)), 'ambiguous key EnochRoot+af0cfe78');
    assert.deepEqual(open(text + '\n' + peterSig, verifierList(enochVerifier, peterVerifier, enochVerifier)).sigs, [peter]);
  });

  test('more than 100 signatures is malformed, verified or not', () => {
    throwsMessage(() => open(text + '\n' + peterSig.repeat(101), verifierList(peterVerifier)), 'malformed note');
    throwsMessage(() => open(text + '\n' + peterSig.repeat(101), verifierList()), 'malformed note');
    assert.deepEqual(open(text + '\n' + peterSig.repeat(100), verifierList(peterVerifier)).sigs, [peter]);
  });

  test('an invalid signature by a known key', () => {
    throwsMessage(() => open(text + '\n' + spliceABCD(peterSig), verifierList(peterVerifier)), 'invalid signature for key PeterNeumann+c74f20a3');
  });

  test('duplicated verified and unverified signatures are dropped', () => {
    const enochABCD: Signature = { ...enoch, base64: 'rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n' + 'ABCD' + '2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=' };
    const n = open(text + '\n' + peterSig + peterSig + enochSig + enochSig + spliceABCD(enochSig), verifierList(peterVerifier));
    assert.deepEqual(n.sigs, [peter]);
    assert.deepEqual(n.unverifiedSigs, [enoch, enochABCD]);
  });

  test('malformed messages', () => {
    const badMsgs = [
      text,
      text + '\n',
      text + '\n' + peterSig.slice(0, -1),
      '\x01' + text + '\n' + peterSig,
      text + '\n' + '— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=',
      text + '\n' + peterSig + 'Unexpected line.\n',
    ];
    for (const msg of badMsgs) throwsMessage(() => open(msg, verifierList(peterVerifier)), 'malformed note');
    // "\xff" + text: a byte that is not UTF-8
    throwsMessage(() => open(Buffer.concat([Buffer.of(0xff), Buffer.from(text + '\n' + peterSig)]), verifierList(peterVerifier)), 'malformed note');
  });

  test('a Verifiers that answers with the wrong verifier', () => {
    const fixed: Verifiers = { verifier: () => peterVerifier };
    const misnamed = peterSig.replaceAll('PeterNeumann', 'CarmenSandiego');
    throwsMessage(() => open(text + '\n' + misnamed, fixed), "verifier name or hash doesn't match signature");
    const wrongHash = peterSig.replaceAll('x08g', 'xxxx');
    throwsMessage(() => open(text + '\n' + wrongHash, fixed), "verifier name or hash doesn't match signature");
  });

  test('other errors of the Verifiers pass through', () => {
    const boom = new Error('boom');
    assert.throws(() => open(text + '\n' + peterSig, { verifier: () => { throw boom; } }), (err) => err === boom);
  });
});
