/**
 * Keys of signed notes, as golang.org/x/mod/sumdb/note defines them: Ed25519 (algorithm
 * 1) only. A verifier key is `<name>+<hash>+<base64(0x01 ‖ public key)>`, a signer key
 * `PRIVATE+KEY+<name>+<hash>+<base64(0x01 ‖ seed)>`, and the hash is the first four
 * bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key), big-endian, as 8 hex digits.
 * Errors carry x/mod's messages.
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import { decodeStdBase64, encodeStdBase64, hex8, readUint32BE } from './go-encoding.js';

/** Verifies signatures by one key. */
export interface Verifier {
  readonly name: string;
  readonly keyHash: number;
  verify(msg: Uint8Array, sig: Uint8Array): boolean;
}

/** Signs with one key. */
export interface Signer {
  readonly name: string;
  readonly keyHash: number;
  sign(msg: Uint8Array): Uint8Array;
}

/** An error of the note package; `message` is x/mod's text. */
export class NoteError extends Error {
  override name = 'NoteError';
}

export const ALG_ED25519 = 1;
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The key hash of a server name and its encoded public key (algorithm byte first). */
export function keyHash(name: string, key: Uint8Array): number {
  const sum = createHash('sha256').update(name).update('\n').update(key).digest();
  return readUint32BE(sum);
}

/** A name is non-empty, well-formed UTF-8, with neither Unicode spaces nor '+'. */
export function isValidName(name: string): boolean {
  return name !== '' && !/\p{Cs}/u.test(name) && !/\p{White_Space}/u.test(name) && !name.includes('+');
}

/** strings.Cut */
function cut(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + sep.length)];
}

/** The name, key hash and decoded key of `<name>+<hash>+<key>`, or undefined when malformed. */
function splitKey(encoded: string): { name: string; hash: number; key: Buffer } | undefined {
  const [name, rest] = cut(encoded, '+');
  const [hash16, key64] = cut(rest, '+');
  const key = decodeStdBase64(key64);
  if (!/^[0-9a-fA-F]{8}$/.test(hash16) || key === undefined || !isValidName(name) || key.length === 0) return undefined;
  return { name, hash: parseInt(hash16, 16), key };
}

const publicKeyOf = (raw: Uint8Array): KeyObject => createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
const privateKeyOf = (seed: Uint8Array): KeyObject => createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
const rawPublicKey = (priv: KeyObject): Buffer => createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX.length);

/** note.NewVerifier */
export function newVerifier(vkey: string): Verifier {
  const parts = splitKey(vkey);
  if (!parts) throw new NoteError('malformed verifier id');
  const { name, hash, key } = parts;
  if (hash !== keyHash(name, key)) throw new NoteError('invalid verifier hash');
  if (key[0] !== ALG_ED25519) throw new NoteError('unknown verifier algorithm');
  if (key.length !== 33) throw new NoteError('malformed verifier id');
  const pub = publicKeyOf(key.subarray(1));
  // ed25519.Verify is false for a signature of the wrong length.
  return { name, keyHash: hash, verify: (msg, sig) => sig.length === 64 && edVerify(null, msg, pub, sig) };
}

/** note.NewSigner; its errors say "verifier" as x/mod's do. */
export function newSigner(skey: string): Signer {
  const [priv1, rest1] = cut(skey, '+');
  const [priv2, rest2] = cut(rest1, '+');
  const parts = splitKey(rest2);
  if (priv1 !== 'PRIVATE' || priv2 !== 'KEY' || !parts) throw new NoteError('malformed verifier id');
  const { name, hash, key } = parts;
  if (key[0] !== ALG_ED25519) throw new NoteError('unknown verifier algorithm');
  if (key.length !== 33) throw new NoteError('malformed verifier id');
  const priv = privateKeyOf(key.subarray(1));
  const pubkey = Buffer.concat([Buffer.of(ALG_ED25519), rawPublicKey(priv)]);
  if (hash !== keyHash(name, pubkey)) throw new NoteError('invalid verifier hash');
  return { name, keyHash: hash, sign: (msg) => edSign(null, msg, priv) };
}

/** The verifier key (name+hash+key) of a signer key; a NoteError when skey is malformed. */
export function verifierKeyOf(skey: string): string {
  const signer = newSigner(skey);
  const key = splitKey(cut(cut(skey, '+')[1], '+')[1])!.key;
  return newEd25519VerifierKey(signer.name, rawPublicKey(privateKeyOf(key.subarray(1))));
}

/** note.NewEd25519VerifierKey: the verifier key of a name and a raw 32-byte public key. */
export function newEd25519VerifierKey(name: string, publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new NoteError(`invalid public key size ${publicKey.length}, expected 32`);
  const pubkey = Buffer.concat([Buffer.of(ALG_ED25519), publicKey]);
  return `${name}+${hex8(keyHash(name, pubkey))}+${encodeStdBase64(pubkey)}`;
}

/**
 * note.GenerateKey: a new signer key (secret) and its verifier key for a named server.
 * Unlike x/mod, a name that NewSigner would refuse is refused here, not encoded.
 */
export function generateKey(name: string, seed: Uint8Array = randomBytes(32)): { skey: string; vkey: string } {
  if (!isValidName(name)) throw new NoteError(`invalid key name ${JSON.stringify(name)}`);
  if (seed.length !== 32) throw new NoteError(`invalid seed size ${seed.length}, expected 32`);
  const pub = rawPublicKey(privateKeyOf(seed));
  const pubkey = Buffer.concat([Buffer.of(ALG_ED25519), pub]);
  const privkey = Buffer.concat([Buffer.of(ALG_ED25519), seed]);
  const h = hex8(keyHash(name, pubkey));
  return { skey: `PRIVATE+KEY+${name}+${h}+${encodeStdBase64(privkey)}`, vkey: `${name}+${h}+${encodeStdBase64(pubkey)}` };
}
