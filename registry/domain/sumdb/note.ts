/**
 * Signed notes (golang.org/x/mod/sumdb/note): a text ending in "\n", a blank line, then
 * one or more lines "— <name> <base64(key hash ‖ signature)>" (U+2014 em dash). `open`
 * checks a message's signatures against known verifiers, `sign` adds signatures. The
 * rules and error texts are x/mod's; the keys live in note-keys.ts.
 */
import { decodeStdBase64, decodeUtf8, encodeStdBase64, hasControlOtherThanNewline, hex8, readUint32BE, toBytes, uint32BE } from './go-encoding.js';
import { isValidName, NoteError, type Signer, type Verifier } from './note-keys.js';

export { generateKey, isValidName, keyHash, newEd25519VerifierKey, newSigner, newVerifier, NoteError, verifierKeyOf } from './note-keys.js';
export type { Signer, Verifier } from './note-keys.js';

/** A signature found in a note, verified or not. */
export interface Signature {
  name: string;
  hash: number;
  /** The base64 signature as it appears on the line (key hash and signature bytes). */
  base64: string;
}

export interface Note {
  text: string;
  sigs: Signature[];
  unverifiedSigs: Signature[];
}

/** Finds the verifier of a (name, key hash); throws UnknownVerifierError for an unknown key. */
export interface Verifiers {
  verifier(name: string, hash: number): Verifier;
}

export class UnknownVerifierError extends NoteError {
  override name = 'UnknownVerifierError';
  constructor(readonly keyName: string, readonly keyHash: number) {
    super(`unknown key ${keyName}+${hex8(keyHash)}`);
  }
}

export class AmbiguousVerifierError extends NoteError {
  override name = 'AmbiguousVerifierError';
  constructor(keyName: string, keyHash: number) {
    super(`ambiguous key ${keyName}+${hex8(keyHash)}`);
  }
}

/** The note parsed but no known key signed it; the unverified note is inside. */
export class UnverifiedNoteError extends NoteError {
  override name = 'UnverifiedNoteError';
  constructor(readonly note: Note) {
    super('note has no verifiable signatures');
  }
}

/** A known key's verifier rejected its signature. */
export class InvalidSignatureError extends NoteError {
  override name = 'InvalidSignatureError';
  constructor(readonly keyName: string, readonly keyHash: number) {
    super(`invalid signature for key ${keyName}+${hex8(keyHash)}`);
  }
}

const malformed = () => new NoteError('malformed note');
const keyOf = (name: string, hash: number) => `${name}+${hex8(hash)}`;
const SIG_PREFIX = '— ';
/** More signatures than this make a note malformed (x/mod's limit). */
export const MAX_SIGNATURES = 100;

/** note.VerifierList: the verifiers of a list of keys; a key listed twice is ambiguous. */
export function verifierList(...list: Verifier[]): Verifiers {
  const byKey = new Map<string, Verifier[]>();
  for (const v of list) {
    const k = keyOf(v.name, v.keyHash);
    byKey.set(k, [...(byKey.get(k) ?? []), v]);
  }
  return {
    verifier(name, hash) {
      const found = byKey.get(keyOf(name, hash));
      if (!found) throw new UnknownVerifierError(name, hash);
      if (found.length > 1) throw new AmbiguousVerifierError(name, hash);
      return found[0]!;
    },
  };
}

/** One signature line without its prefix, or undefined when malformed. */
function parseSignatureLine(line: string): (Signature & { sig: Buffer }) | undefined {
  if (!line.startsWith(SIG_PREFIX)) return undefined;
  const body = line.slice(SIG_PREFIX.length);
  const space = body.indexOf(' ');
  const [name, b64] = space < 0 ? [body, ''] : [body.slice(0, space), body.slice(space + 1)];
  const raw = decodeStdBase64(b64);
  if (raw === undefined || !isValidName(name) || b64 === '' || raw.length < 5) return undefined;
  return { name, hash: readUint32BE(raw), base64: b64, sig: raw.subarray(4) };
}

/** The text and the signature lines of a message, or undefined when malformed. */
function splitMessage(msg: Buffer): { text: Buffer; lines: string[] } | undefined {
  const decoded = decodeUtf8(msg);
  if (decoded === undefined || hasControlOtherThanNewline(decoded)) return undefined;
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) return undefined;
  const sigs = msg.subarray(split + 2);
  if (sigs.length === 0 || sigs[sigs.length - 1] !== 0x0a) return undefined;
  return { text: msg.subarray(0, split + 1), lines: sigs.toString('utf8').slice(0, -1).split('\n') };
}

/**
 * note.Open: the note of a signed message. Signatures by known keys must verify
 * (else InvalidSignatureError); those by unknown keys are kept as unverified; when no
 * known key signed, UnverifiedNoteError. Repeated signatures are dropped.
 */
export function open(message: Uint8Array | string, known: Verifiers = verifierList()): Note {
  const parts = splitMessage(toBytes(message));
  if (!parts) throw malformed();
  const note: Note = { text: parts.text.toString('utf8'), sigs: [], unverifiedSigs: [] };
  const seen = new Set<string>();
  const seenUnverified = new Set<string>();
  let numSig = 0;
  for (const line of parts.lines) {
    const s = parseSignatureLine(line);
    if (!s) throw malformed();
    if (++numSig > MAX_SIGNATURES) throw malformed();
    const v = lookUp(known, s.name, s.hash);
    if (v === undefined) {
      if (!seenUnverified.has(line)) note.unverifiedSigs.push({ name: s.name, hash: s.hash, base64: s.base64 });
      seenUnverified.add(line);
      continue;
    }
    if (v.name !== s.name || v.keyHash !== s.hash) throw new NoteError("verifier name or hash doesn't match signature");
    if (seen.has(keyOf(s.name, s.hash))) continue;
    seen.add(keyOf(s.name, s.hash));
    if (!v.verify(parts.text, s.sig)) throw new InvalidSignatureError(s.name, s.hash);
    note.sigs.push({ name: s.name, hash: s.hash, base64: s.base64 });
  }
  if (note.sigs.length === 0) throw new UnverifiedNoteError(note);
  return note;
}

/** The verifier of a key, or undefined when the key is unknown; other errors propagate. */
function lookUp(known: Verifiers, name: string, hash: number): Verifier | undefined {
  try {
    return known.verifier(name, hash);
  } catch (err) {
    if (err instanceof UnknownVerifierError) return undefined;
    throw err;
  }
}

const signatureLine = (name: string, b64: string) => `${SIG_PREFIX}${name} ${b64}\n`;

/**
 * note.Sign: the encoded message of a note with the signers' signatures after the
 * note's existing ones; an existing signature by one of the signers' keys is dropped.
 */
export function sign(note: { text: string; sigs?: Signature[]; unverifiedSigs?: Signature[] }, ...signers: Signer[]): Buffer {
  if (!note.text.endsWith('\n')) throw malformed();
  const text = Buffer.from(note.text, 'utf8');
  const have = new Set<string>();
  let added = '';
  for (const s of signers) {
    have.add(keyOf(s.name, s.keyHash));
    if (!isValidName(s.name)) throw new NoteError('invalid signer');
    const sig = s.sign(text);
    added += signatureLine(s.name, encodeStdBase64(Buffer.concat([uint32BE(s.keyHash), sig])));
  }
  let kept = '';
  for (const sig of [...(note.sigs ?? []), ...(note.unverifiedSigs ?? [])]) {
    if (!isValidName(sig.name)) throw malformed();
    if (have.has(keyOf(sig.name, sig.hash))) continue;
    const raw = decodeStdBase64(sig.base64);
    if (raw === undefined || raw.length < 4 || readUint32BE(raw) !== sig.hash >>> 0) throw malformed();
    kept += signatureLine(sig.name, sig.base64);
  }
  return Buffer.concat([text, Buffer.from('\n' + kept + added, 'utf8')]);
}
