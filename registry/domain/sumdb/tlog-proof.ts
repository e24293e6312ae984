/**
 * Record and tree proofs of the log (golang.org/x/mod/sumdb/tlog): RFC 6962's Merkle
 * audit path (a record is in a tree) and consistency proof (a tree extends an older
 * one), built from stored hashes and checked against tree hashes.
 */
import { hashEqual, maxpow2, nodeHash, readChecked, subTreeHash, subTreeIndex, TlogError, type Hash, type HashReader } from './tlog.js';

/** A proof that a tree contains a record ("Merkle audit path"). */
export type RecordProof = Hash[];
/** A proof that a tree contains an older tree as a prefix ("Merkle consistency proof"). */
export type TreeProof = Hash[];

const proofFailed = () => new TlogError('invalid transparency proof');

/** The indexes needed to prove leaf n in the subtree [lo, hi), appended to need. */
function leafProofIndex(lo: number, hi: number, n: number, need: number[]): number[] {
  if (!(lo <= n && n < hi)) throw new Error('tlog: bad math in leafProofIndex');
  if (lo + 1 === hi) return need;
  const { k } = maxpow2(hi - lo);
  if (n < lo + k) return subTreeIndex(lo + k, hi, leafProofIndex(lo, lo + k, n, need));
  return leafProofIndex(lo + k, hi, n, subTreeIndex(lo, lo + k, need));
}

function leafProof(lo: number, hi: number, n: number, hashes: Hash[]): { proof: RecordProof; rest: Hash[] } {
  if (!(lo <= n && n < hi)) throw new Error('tlog: bad math in leafProof');
  // At the leaf: the verifier knows its hash.
  if (lo + 1 === hi) return { proof: [], rest: hashes };
  // Walk down toward n, keeping the hash of the side not taken.
  const { k } = maxpow2(hi - lo);
  if (n < lo + k) {
    const left = leafProof(lo, lo + k, n, hashes);
    const right = subTreeHash(lo + k, hi, left.rest);
    return { proof: [...left.proof, right.hash], rest: right.rest };
  }
  const left = subTreeHash(lo, lo + k, hashes);
  const right = leafProof(lo + k, hi, n, left.rest);
  return { proof: [...right.proof, left.hash], rest: right.rest };
}

/** The proof that the tree of size t contains record n. */
export async function proveRecord(t: number, n: number, r: HashReader): Promise<RecordProof> {
  if (t < 0 || n < 0 || n >= t) throw new TlogError('tlog: invalid inputs in ProveRecord');
  const indexes = leafProofIndex(0, t, n, []);
  if (indexes.length === 0) return [];
  const { proof, rest } = leafProof(0, t, n, await readChecked(r, indexes));
  if (rest.length !== 0) throw new Error('tlog: bad index math in ProveRecord');
  return proof;
}

/** The hash of the subtree [lo, hi) that proof p implies for leaf n with hash leafHash. */
function runRecordProof(p: RecordProof, lo: number, hi: number, n: number, leafHash: Hash): Hash {
  if (!(lo <= n && n < hi)) throw new Error('tlog: bad math in runRecordProof');
  if (lo + 1 === hi) {
    // The proof must not have unneeded hashes.
    if (p.length !== 0) throw proofFailed();
    return leafHash;
  }
  if (p.length === 0) throw proofFailed();
  const { k } = maxpow2(hi - lo);
  const last = p[p.length - 1]!;
  const inner = p.slice(0, -1);
  if (n < lo + k) return nodeHash(runRecordProof(inner, lo, lo + k, n, leafHash), last);
  return nodeHash(last, runRecordProof(inner, lo + k, hi, n, leafHash));
}

/** Checks that p proves that the tree of size t with hash th has record n with hash h. */
export function checkRecord(p: RecordProof, t: number, th: Hash, n: number, h: Hash): void {
  if (t < 0 || n < 0 || n >= t) throw new TlogError('tlog: invalid inputs in CheckRecord');
  if (!hashEqual(runRecordProof(p, 0, t, n, h), th)) throw proofFailed();
}

/** The indexes needed for the part of a tree proof about the subtree [lo, hi), appended to need. */
function treeProofIndex(lo: number, hi: number, n: number, need: number[]): number[] {
  if (!(lo < n && n <= hi)) throw new Error('tlog: bad math in treeProofIndex');
  if (n === hi) return lo === 0 ? need : subTreeIndex(lo, hi, need);
  const { k } = maxpow2(hi - lo);
  if (n <= lo + k) return subTreeIndex(lo + k, hi, treeProofIndex(lo, lo + k, n, need));
  return treeProofIndex(lo + k, hi, n, subTreeIndex(lo, lo + k, need));
}

function treeProof(lo: number, hi: number, n: number, hashes: Hash[]): { proof: TreeProof; rest: Hash[] } {
  if (!(lo < n && n <= hi)) throw new Error('tlog: bad math in treeProof');
  if (n === hi) {
    // The old tree itself: the verifier knows its hash.
    if (lo === 0) return { proof: [], rest: hashes };
    const { hash, rest } = subTreeHash(lo, hi, hashes);
    return { proof: [hash], rest };
  }
  const { k } = maxpow2(hi - lo);
  if (n <= lo + k) {
    const left = treeProof(lo, lo + k, n, hashes);
    const right = subTreeHash(lo + k, hi, left.rest);
    return { proof: [...left.proof, right.hash], rest: right.rest };
  }
  const left = subTreeHash(lo, lo + k, hashes);
  const right = treeProof(lo + k, hi, n, left.rest);
  return { proof: [...right.proof, left.hash], rest: right.rest };
}

/** The proof that the tree of size t contains the tree of size n as a prefix. */
export async function proveTree(t: number, n: number, r: HashReader): Promise<TreeProof> {
  if (t < 1 || n < 1 || n > t) throw new TlogError('tlog: invalid inputs in ProveTree');
  const indexes = treeProofIndex(0, t, n, []);
  if (indexes.length === 0) return [];
  const { proof, rest } = treeProof(0, t, n, await readChecked(r, indexes));
  if (rest.length !== 0) throw new Error('tlog: bad index math in ProveTree');
  return proof;
}

/** The hashes of the subtree [lo, hi) in the old tree (of size n, hash old) and the new one, as p implies. */
function runTreeProof(p: TreeProof, lo: number, hi: number, n: number, old: Hash): { oh: Hash; th: Hash } {
  if (!(lo < n && n <= hi)) throw new Error('tlog: bad math in runTreeProof');
  if (n === hi) {
    if (lo === 0) {
      if (p.length !== 0) throw proofFailed();
      return { oh: old, th: old };
    }
    if (p.length !== 1) throw proofFailed();
    return { oh: p[0]!, th: p[0]! };
  }
  if (p.length === 0) throw proofFailed();
  const { k } = maxpow2(hi - lo);
  const last = p[p.length - 1]!;
  const inner = p.slice(0, -1);
  if (n <= lo + k) {
    const { oh, th } = runTreeProof(inner, lo, lo + k, n, old);
    return { oh, th: nodeHash(th, last) };
  }
  const { oh, th } = runTreeProof(inner, lo + k, hi, n, old);
  return { oh: nodeHash(last, oh), th: nodeHash(last, th) };
}

/** Checks that p proves that the tree of size t with hash th contains the tree of size n with hash h. */
export function checkTree(p: TreeProof, t: number, th: Hash, n: number, h: Hash): void {
  if (t < 1 || n < 1 || n > t) throw new TlogError('tlog: invalid inputs in CheckTree');
  const implied = runTreeProof(p, 0, t, n, h);
  if (!hashEqual(implied.th, th) || !hashEqual(implied.oh, h)) throw proofFailed();
}
