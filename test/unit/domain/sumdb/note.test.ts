// The vectors of golang.org/x/mod/sumdb/note (note_test.go and the package example in note.go).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  generateKey,
  newEd25519VerifierKey,
  newSigner,
  newVerifier,
  NoteError,
  open,
  sign,
  verifierKeyOf,
  verifierList,
  type Signer,
  type Verifier,
} from '../../../../registry/domain/sumdb/note.js';
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';

const peterSkey = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const peterVkey = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const enochVkey = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const peterSig = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const enochSig = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

const throwsMessage = (fn: () => unknown, message: string) => assert.throws(fn, (err: Error) => err instanceof NoteError && err.message === message);

/** Every proper substring and every one-byte increment of a key must be refused. */
function assertManglingsRefused(key: string, parse: (k: string) => unknown): void {
  for (let i = 0; i <= key.length; i++) {
    for (let j = i + 1; j <= key.length; j++) {
      if (i !== 0 || j !== key.length) assert.throws(() => parse(key.slice(i, j)), NoteError, key.slice(i, j));
    }
  }
  for (let i = 0; i < key.length; i++) {
    const mangled = key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) + 1) + key.slice(i + 1);
    assert.throws(() => parse(mangled), NoteError, mangled);
  }
}

describe('note keys (TestNewVerifier, TestNewSigner, TestGenerateKey, TestFromEd25519)', () => {
  test('NewVerifier accepts the example key and refuses its manglings', () => {
    const v = newVerifier(peterVkey);
    assert.equal(v.name, 'PeterNeumann');
    assert.equal(v.keyHash, 0xc74f20a3);
    assertManglingsRefused(peterVkey, newVerifier);
    // wrong length key, with adjusted key hash; unknown algorithm, with adjusted key hash
    throwsMessage(() => newVerifier('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='), 'malformed verifier id');
    throwsMessage(() => newVerifier('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), 'unknown verifier algorithm');
    throwsMessage(() => newVerifier('PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), 'invalid verifier hash');
  });

  test('NewSigner accepts the example key and refuses its manglings', () => {
    const s = newSigner(peterSkey);
    assert.equal(s.name, 'PeterNeumann');
    assert.equal(s.keyHash, 0xc74f20a3);
    assertManglingsRefused(peterSkey, newSigner);
  });

  test('GenerateKey: a self-consistent pair', () => {
    const { skey, vkey } = generateKey('EnochRoot');
    assert.match(skey, /^PRIVATE\+KEY\+EnochRoot\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    assertSignerMatchesVerifier('EnochRoot', newSigner(skey), newVerifier(vkey));
    assert.throws(() => generateKey('bad name'), NoteError);
  });

  test('generateKey from a fixed seed reproduces the example keys', () => {
    const seed = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(1);
    assert.deepEqual(generateKey('PeterNeumann', seed), { skey: peterSkey, vkey: peterVkey });
  });

  test('NewEd25519VerifierKey', () => {
    const seed = randomBytes(32);
    const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
    const pub = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' }).subarray(12);
    const vkey = newEd25519VerifierKey('EnochRoot', pub);
    assert.equal(vkey, generateKey('EnochRoot', seed).vkey);
    assertSignerMatchesVerifier('EnochRoot', newSigner(generateKey('EnochRoot', seed).skey), newVerifier(vkey));
    assert.throws(() => newEd25519VerifierKey('EnochRoot', pub.subarray(0, 31)), NoteError);
  });
});

function assertSignerMatchesVerifier(name: string, signer: Signer, verifier: Verifier): void {
  assert.equal(signer.name, name);
  assert.equal(verifier.name, name);
  assert.equal(signer.keyHash, verifier.keyHash);
  const msg = Buffer.from('hi');
  const sig = Buffer.from(signer.sign(msg));
  assert.ok(verifier.verify(msg, sig), 'signature by signer.sign verifies');
  sig[0]!++;
  assert.ok(!verifier.verify(msg, sig), 'corrupt signature refused');
  sig[0]!--;
  msg[0]!++;
  assert.ok(!verifier.verify(msg, sig), 'corrupt message refused');
  assert.ok(!verifier.verify(Buffer.from('hi'), sig.subarray(0, 63)), 'short signature refused');
}

describe('Sign (TestSign)', () => {
  const signer = newSigner(peterSkey);
  const want = text + '\n' + peterSig;

  test('signs the example note as note.go documents', () => {
    assert.equal(sign({ text }, signer).toString(), want);
  });

  test('an existing signature by the same key is replaced', () => {
    const msg = sign({ text, sigs: [{ name: 'PeterNeumann', hash: 0xc74f20a3, base64: 'BADSIGN=' }] }, signer);
    assert.equal(msg.toString(), want);
  });

  test('existing signatures by other keys are kept, before the new ones', () => {
    const n = open(text + '\n' + enochSig + peterSig, verifierList(newVerifier(enochVkey)));
    assert.equal(sign(n, signer).toString(), text + '\n' + enochSig + peterSig);
  });

  test('bad inputs', () => {
    throwsMessage(() => sign({ text: 'abc' }, signer), 'malformed note');
    throwsMessage(() => sign({ text, sigs: [{ name: 'a+b', hash: 0, base64: 'ABCD' }] }), 'malformed note');
    throwsMessage(() => sign({ text, sigs: [{ name: 'PeterNeumann', hash: 0xc74f20a3, base64: 'BADHASH=' }] }), 'malformed note');
    const badSigner: Signer = { name: 'bad name', keyHash: signer.keyHash, sign: (m) => signer.sign(m) };
    throwsMessage(() => sign({ text }, badSigner), 'invalid signer');
    const surprise = new Error('surprise!');
    const errSigner: Signer = { name: signer.name, keyHash: signer.keyHash, sign: () => { throw surprise; } };
    assert.throws(() => sign({ text }, errSigner), (err) => err === surprise);
  });
});

describe('VerifierList (TestVerifierList)', () => {
  test('finds, misses and ambiguities', () => {
    const peterVerifier = newVerifier(peterVkey);
    const enochVerifier = newVerifier(enochVkey);
    const list = verifierList(peterVerifier, enochVerifier, enochVerifier);
    assert.equal(list.verifier('PeterNeumann', 0xc74f20a3), peterVerifier);
    throwsMessage(() => list.verifier('PeterNeumann', 0xc74f20a4), 'unknown key PeterNeumann+c74f20a4');
    throwsMessage(() => list.verifier('PeterNeuman', 0xc74f20a3), 'unknown key PeterNeuman+c74f20a3');
    throwsMessage(() => list.verifier('EnochRoot', 0xaf0cfe78), 'ambiguous key EnochRoot+af0cfe78');
  });
});

test("verifierKeyOf: a signer key's verifier key is the one GenerateKey made with it, and verifies its signatures", () => {
  for (const name of ['go-registry', 'sum.corp.example']) {
    const { skey, vkey } = generateKey(name);
    assert.equal(verifierKeyOf(skey), vkey);
    const signed = sign({ text: 'hello\n' }, newSigner(skey));
    assert.equal(open(signed, verifierList(newVerifier(verifierKeyOf(skey)))).text, 'hello\n');
  }
  assert.throws(() => verifierKeyOf('PRIVATE+KEY+x+00000000+AQ=='), NoteError);
});
