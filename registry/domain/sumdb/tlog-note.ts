/**
 * The texts the checksum database serves (golang.org/x/mod/sumdb/tlog note.go): the tree
 * description a server signs ("go.sum database tree\nN\nbase64 hash\n") and the record
 * framing of a lookup answer ("id\n" + record text + "\n").
 */
import { bytesAsLatin1, decodeStdBase64, decodeUtf8, hasControlOtherThanNewline, toBytes } from './go-encoding.js';
import { formatHash, HASH_SIZE, TlogError, type Tree } from './tlog.js';

const TREE_PREFIX = 'go.sum database tree\n';

/** The tree description to sign: three lines, N in decimal and the hash in base64. */
export const formatTree = (tree: Tree): Buffer => Buffer.from(`${TREE_PREFIX}${tree.n}\n${formatHash(tree.hash)}\n`);

const malformedTree = () => new TlogError('malformed tree note');

/** tlog.ParseTree; lines after the third are ignored (room for later additions). */
export function parseTree(text: Uint8Array | string): Tree {
  const bytes = toBytes(text);
  const s = bytesAsLatin1(bytes);
  if (!s.startsWith(TREE_PREFIX) || s.split('\n').length - 1 < 3 || bytes.length > 1e6) throw malformedTree();
  const [, nLine = '', hashLine = ''] = s.split('\n', 3);
  const n = Number(nLine);
  // Canonical decimal only; sizes past 2^53 are refused (x/mod allows int64).
  if (!/^(0|[1-9][0-9]*)$/.test(nLine) || !Number.isSafeInteger(n)) throw malformedTree();
  const hash = decodeStdBase64(hashLine);
  if (hash === undefined || hash.length !== HASH_SIZE) throw malformedTree();
  return { n, hash };
}

const malformedRecord = () => new TlogError('malformed record data');

/** Record text is valid UTF-8 without control characters but newline, ends in "\n" and has no blank line. */
export function isValidRecordText(text: Uint8Array): boolean {
  const s = decodeUtf8(text);
  if (s === undefined || hasControlOtherThanNewline(s) || !s.endsWith('\n')) return false;
  return !s.includes('\n\n');
}

/** tlog.FormatRecord: the record as a lookup answer frames it. */
export function formatRecord(id: number, text: Uint8Array | string): Buffer {
  const bytes = toBytes(text);
  if (!isValidRecordText(bytes)) throw malformedRecord();
  return Buffer.concat([Buffer.from(`${id}\n`), bytes, Buffer.from('\n')]);
}

/**
 * tlog.ParseRecord: the record id, its text and what follows the blank line ending it.
 * The id is strconv.ParseInt's (a sign and leading zeros allowed), within ±(2^53 - 1).
 */
export function parseRecord(msg: Uint8Array | string): { id: number; text: Buffer; rest: Buffer } {
  const bytes = toBytes(msg);
  const nl = bytes.indexOf(0x0a);
  if (nl < 0) throw malformedRecord();
  const idText = bytesAsLatin1(bytes.subarray(0, nl));
  const id = Number(idText);
  if (!/^[+-]?[0-9]+$/.test(idText) || !Number.isSafeInteger(id)) throw malformedRecord();
  const body = bytes.subarray(nl + 1);
  const end = body.indexOf('\n\n');
  if (end < 0) throw malformedRecord();
  const text = body.subarray(0, end + 1);
  if (!isValidRecordText(text)) throw malformedRecord();
  return { id, text, rest: body.subarray(end + 2) };
}
