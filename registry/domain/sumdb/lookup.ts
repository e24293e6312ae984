/**
 * What a checksum database client does with the server's answers (sumdb.Client's
 * Lookup, mergeLatest, checkTrees and checkRecord): open the signed tree note with the
 * known key, check that it and the newest tree seen before (`latest`, kept by the
 * caller) are one timeline, prove the record at its id in that tree through tiles, and
 * give the record's go.sum lines for the module version asked.
 *
 * Any answer that cannot be authenticated is a SumdbSecurityError (`reason` says why;
 * "fork" is x/mod's ErrSecurity, two signed trees that cannot both be true). Errors of
 * the caller's readTile (a 404, a network error) pass through untouched, so a missing
 * module or tile stays distinguishable from a lying server.
 */
import { escapeCase } from '../case-encoding.js';
import { invalid } from '../domain-error.js';
import { checkModulePath, checkVersionElement } from '../module-path.js';
import { NoteError, open, type Verifiers } from './note.js';
import { tileHashReader, type TileReader } from './tile-hash-reader.js';
import { tileSource, type TileFetch } from './tile-source.js';
import { EMPTY_HASH, formatHash, hashEqual, recordHash, storedHashIndex, TlogError, treeHash, type Hash, type Tree } from './tlog.js';
import { parseRecord, parseTree } from './tlog-note.js';
import { checkTree, proveTree } from './tlog-proof.js';

export type SumdbFailure = 'malformed-response' | 'unverified-note' | 'inconsistent-tiles' | 'fork' | 'unauthenticated-record';

export class SumdbSecurityError extends Error {
  override name = 'SumdbSecurityError';
  constructor(
    readonly reason: SumdbFailure,
    message: string,
    /** For a fork: x/mod's "SECURITY ERROR" report, both signed notes and the proof of misbehavior. */
    readonly report?: string,
  ) {
    super(message);
  }
}

/** A verified tree and the signed note it came in (which the caller keeps as its latest). */
export interface SignedTree {
  tree: Tree;
  note: Uint8Array;
}

export interface SumdbVerification extends TileFetch {
  verifiers: Verifiers;
  /** Default 8, as the go command. */
  tileHeight?: number;
  /** The newest tree verified before; none starts from the empty tree. */
  latest?: SignedTree;
}

const EMPTY: SignedTree = { tree: { n: 0, hash: EMPTY_HASH }, note: new Uint8Array(0) };
const GO_MOD = '/go.mod';

/** The path (without a leading slash) a lookup of module@version is served at; "/go.mod" is dropped. */
export function lookupPath(modulePath: string, version: string): string {
  const v = version.endsWith(GO_MOD) ? version.slice(0, -GO_MOD.length) : version;
  const problem = checkModulePath(modulePath) ?? (checkVersionElement(v) && `disallowed version string ${JSON.stringify(v)}`);
  if (problem) throw invalid(`${modulePath}@${version}: ${problem}`);
  return `lookup/${escapeCase(modulePath)}@${escapeCase(v)}`;
}

/** Verifies a lookup answer ("id\nrecord…\n\nsigned tree note") for module@version ("…/go.mod" for the go.mod line). */
export async function verifyLookup(modulePath: string, version: string, body: Uint8Array, v: SumdbVerification): Promise<{ lines: string[]; latest: SignedTree }> {
  try {
    const tiles = tileSource(v, v.tileHeight);
    const { id, text, rest } = parse(() => parseRecord(body), (m) => m);
    const latest = await mergeLatest(rest, v.latest ?? EMPTY, v.verifiers, tiles);
    await checkRecord(id, text, latest.tree, tiles);
    const prefix = `${modulePath} ${version} `;
    return { lines: text.toString('utf8').split('\n').filter((line) => line.startsWith(prefix)), latest };
  } catch (err) {
    if (err instanceof SumdbSecurityError) throw new SumdbSecurityError(err.reason, `${modulePath}@${version}: ${err.message}`, err.report);
    throw err;
  }
}

/** Verifies a signed tree note (a /latest answer) and merges it with the newest tree seen before. */
export function verifyTree(note: Uint8Array, v: SumdbVerification): Promise<SignedTree> {
  return mergeLatest(note, v.latest ?? EMPTY, v.verifiers, tileSource(v, v.tileHeight));
}

/** fn's result; its TlogError as a malformed-response SumdbSecurityError with the message `say` makes. */
function parse<T>(fn: () => T, say: (message: string) => string): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof TlogError) throw new SumdbSecurityError('malformed-response', say(err.message));
    throw err;
  }
}

function openTree(msg: Uint8Array, verifiers: Verifiers): SignedTree {
  const quoted = Buffer.from(msg).toString('utf8');
  let text: string;
  try {
    text = open(msg, verifiers).text;
  } catch (err) {
    if (err instanceof NoteError) throw new SumdbSecurityError('unverified-note', `reading tree note: ${err.message}\nnote:\n${quoted}`);
    throw err;
  }
  return { tree: parse(() => parseTree(text), (m) => `reading tree: ${m}\ntree:\n${text}`), note: msg };
}

/** The newer of two signed trees, once the older is shown to be a prefix of it. */
async function mergeLatest(msg: Uint8Array, latest: SignedTree, verifiers: Verifiers, tiles: TileReader): Promise<SignedTree> {
  const signed = openTree(msg, verifiers);
  if (signed.tree.n <= latest.tree.n) {
    await checkTrees(signed, latest, tiles);
    return latest;
  }
  await checkTrees(latest, signed, tiles);
  return signed;
}

/** Checks that the older tree is contained in the newer one: its hash, computed from the newer tree's tiles. */
async function checkTrees(older: SignedTree, newer: SignedTree, tiles: TileReader): Promise<void> {
  const thr = tileHashReader(newer.tree, tiles);
  const what = older.tree.n === newer.tree.n ? `checking tree#${older.tree.n}` : `checking tree#${older.tree.n} against tree#${newer.tree.n}`;
  let h: Hash;
  try {
    h = await treeHash(older.tree.n, thr);
  } catch (err) {
    if (err instanceof TlogError) throw new SumdbSecurityError('inconsistent-tiles', `${what}: ${err.message}`);
    throw err;
  }
  if (hashEqual(h, older.tree.hash)) return;
  throw new SumdbSecurityError('fork', 'security error: misbehaving server', await forkReport(older, newer, h, thr));
}

/** x/mod's report of a fork: both notes, the newer tree's hash for the older size and the proof of it. */
async function forkReport(older: SignedTree, newer: SignedTree, h: Uint8Array, thr: ReturnType<typeof tileHashReader>): Promise<string> {
  const indent = (b: Uint8Array) => Buffer.from(b).toString('utf8').replaceAll('\n', '\n\t');
  let report = 'SECURITY ERROR\ngo.sum database server misbehavior detected!\n\n';
  report += `old database:\n\t${indent(older.note)}\n`;
  report += `new database:\n\t${indent(newer.note)}\n`;
  report += `proof of misbehavior:\n\t${formatHash(h)}`;
  try {
    const p = await proveTree(newer.tree.n, older.tree.n, thr);
    checkTree(p, newer.tree.n, newer.tree.hash, older.tree.n, h);
    for (const ph of p) report += `\n\t${formatHash(ph)}`;
  } catch (err) {
    report += `\tinternal error: ${(err as Error).message}\n`;
  }
  return report;
}

/** Checks that record id of the tree hashes as its text does. */
async function checkRecord(id: number, text: Uint8Array, tree: Tree, tiles: TileReader): Promise<void> {
  if (id < 0 || id >= tree.n) throw new SumdbSecurityError('unauthenticated-record', `cannot validate record ${id} in tree of size ${tree.n}`);
  let stored: Hash | undefined;
  try {
    [stored] = await tileHashReader(tree, tiles).readHashes([storedHashIndex(0, id)]);
  } catch (err) {
    if (err instanceof TlogError) throw new SumdbSecurityError('inconsistent-tiles', err.message);
    throw err;
  }
  if (!stored || !hashEqual(stored, recordHash(text))) {
    throw new SumdbSecurityError('unauthenticated-record', 'cannot authenticate record data in server response');
  }
}
