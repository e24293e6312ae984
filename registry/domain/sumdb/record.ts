/**
 * The text of a checksum database record: the go.sum lines of one module version,
 *
 *   <path> <version> h1:<base64 SHA-256>
 *   <path> <version>/go.mod h1:<base64 SHA-256>
 *
 * (the zip's dirhash, then its go.mod's), each ending in "\n". The go command reads
 * any third field as an opaque hash, so parsing accepts any; building writes h1 only.
 */
import { invalid } from '../domain-error.js';
import { checkModuleVersion } from '../module-path.js';

export interface GoSumLine {
  path: string;
  /** The version without "/go.mod". */
  version: string;
  /** Whether the line is the go.mod's hash (version written as "<version>/go.mod"). */
  goMod: boolean;
  hash: string;
}

const GO_MOD_SUFFIX = '/go.mod';
const H1 = /^h1:[A-Za-z0-9+/]{43}=$/;

/** One go.sum line, three fields separated by single spaces. */
export function parseGoSumLine(line: string): GoSumLine {
  const fields = line.split(' ');
  if (fields.length !== 3 || fields.some((f) => f === '' || /\s/.test(f))) {
    throw invalid(`malformed go.sum line ${JSON.stringify(line)}: want "<path> <version>[/go.mod] <hash>"`);
  }
  const [path, v, hash] = fields as [string, string, string];
  const goMod = v.endsWith(GO_MOD_SUFFIX);
  return { path, version: goMod ? v.slice(0, -GO_MOD_SUFFIX.length) : v, goMod, hash };
}

export const formatGoSumLine = (l: GoSumLine) => `${l.path} ${l.version}${l.goMod ? GO_MOD_SUFFIX : ''} ${l.hash}`;

/** The lines of a record's text (which ends in "\n" and has no blank line). */
export function parseRecordText(text: string): GoSumLine[] {
  if (!text.endsWith('\n') || text.includes('\n\n')) throw invalid('malformed record text: want go.sum lines, each ending in a newline');
  return text.slice(0, -1).split('\n').map(parseGoSumLine);
}

/** The record a checksum database stores for a module version: its zip's and its go.mod's h1: hashes. */
export function moduleRecordText(path: string, version: string, zipHash: string, goModHash: string): string {
  const problem = checkModuleVersion(path, version);
  if (problem) throw invalid(`${path}@${version}: ${problem}`);
  for (const h of [zipHash, goModHash]) {
    if (!H1.test(h)) throw invalid(`malformed h1: hash ${JSON.stringify(h)}`);
  }
  const line = (goMod: boolean, hash: string) => formatGoSumLine({ path, version, goMod, hash }) + '\n';
  return line(false, zipHash) + line(true, goModHash);
}
