/**
 * golang.org/x/mod/sumdb/dirhash Hash1 — the "h1:" hashes of go.sum — from
 * precomputed per-file SHA-256 digests, so callers can hash while streaming.
 */
import { createHash } from 'node:crypto';

/** Byte-wise UTF-8 order, as Go sorts strings (JS sorts by UTF-16 code units). */
const compareUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * @param fileHashes (file name, lowercase hex SHA-256 of its contents) pairs; a name
 * listed twice is hashed twice, as Go's Hash1 does with a repeated name.
 */
export function hash1(fileHashes: Iterable<readonly [string, string]>): string {
  const summary = createHash('sha256');
  const sorted = [...fileHashes].sort(([a], [b]) => compareUtf8(a, b));
  for (const [name, sha256] of sorted) {
    if (name.includes('\n')) throw new Error('dirhash: filenames with newlines are not supported');
    summary.update(`${sha256}  ${name}\n`);
  }
  return 'h1:' + summary.digest('base64');
}
