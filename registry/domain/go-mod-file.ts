/**
 * The little of go.mod the registry needs: the module directive, read the way
 * golang.org/x/mod/modfile.ModulePath reads it (comments, quoted or bare paths); and, for
 * the web UI, requirements, `retract` and the `// Deprecated:` comment, read as
 * modfile attaches comments to directives.
 */
import { comparePrecedence } from './go-semver.js';

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"',
};

/** unicode.IsSpace: what Go's bytes.TrimSpace removes (JS's trim() also removes U+FEFF, and keeps U+0085). */
const GO_SPACE = '\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';
const LEADING_SPACE = new RegExp(`^[${GO_SPACE}]+`);
const TRAILING_SPACE = new RegExp(`[${GO_SPACE}]+$`);
const goTrimSpace = (s: string) => s.replace(LEADING_SPACE, '').replace(TRAILING_SPACE, '');

/**
 * One escape of a double-quoted Go string at body[i] (after the backslash): its bytes
 * (\x and octal escapes are single bytes, as in Go) and the index after it; undefined
 * when malformed.
 */
function unquoteEscape(body: string, i: number): { bytes: Buffer; next: number } | undefined {
  const e = body[i];
  if (e === undefined) return undefined;
  if (e in SIMPLE_ESCAPES) return { bytes: Buffer.from(SIMPLE_ESCAPES[e]!), next: i + 1 };
  const octal = /[0-7]/.test(e);
  const width = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : octal ? 3 : 0;
  if (width === 0) return undefined;
  const digits = octal ? body.slice(i, i + 3) : body.slice(i + 1, i + 1 + width);
  if (digits.length !== width || !(octal ? /^[0-7]+$/ : /^[0-9a-fA-F]+$/).test(digits)) return undefined;
  const code = parseInt(digits, octal ? 8 : 16);
  const next = octal ? i + 3 : i + 1 + width;
  if (e === 'x' || octal) return code > 0xff ? undefined : { bytes: Buffer.from([code]), next };
  // utf8.ValidRune: no surrogate halves, nothing past U+10FFFF.
  if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return { bytes: Buffer.from(String.fromCodePoint(code)), next };
}

/** strconv.Unquote for the forms a go.mod can hold; undefined when malformed. */
export function goUnquote(s: string): string | undefined {
  if (s.length >= 2 && s.startsWith('`') && s.endsWith('`')) {
    const body = s.slice(1, -1);
    return body.includes('`') ? undefined : body.replace(/\r/g, '');
  }
  if (s.length < 2 || !s.startsWith('"') || !s.endsWith('"')) return undefined;
  const body = s.slice(1, -1);
  const out: Buffer[] = [];
  for (let i = 0; i < body.length; ) {
    const c = body[i]!;
    if (c === '"' || c === '\n') return undefined;
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      out.push(Buffer.from(String.fromCodePoint(cp)));
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const escape = unquoteEscape(body, i + 1);
    if (!escape) return undefined;
    out.push(escape.bytes);
    i = escape.next;
  }
  return Buffer.concat(out).toString('utf8');
}

/** modfile.ModulePath: the module directive's path, or "" when there is none. */
export function modulePathOfGoMod(mod: Buffer | string): string {
  const text = typeof mod === 'string' ? mod : mod.toString('utf8');
  for (const rawLine of text.split('\n')) {
    let line = rawLine;
    const comment = line.indexOf('//');
    if (comment >= 0) line = line.slice(0, comment);
    line = goTrimSpace(line);
    if (!line.startsWith('module')) continue;
    const rest = line.slice('module'.length);
    const path = goTrimSpace(rest);
    // "modulefoo" is not a directive: the keyword must be followed by space.
    if (path.length === rest.length || path === '') continue;
    if (path.startsWith('"') || path.startsWith('`')) return goUnquote(path) ?? '';
    return path;
  }
  return '';
}

/** What Go serves as go.mod for a module whose zip has none. */
export const synthesizedGoMod = (modulePath: string) => Buffer.from(`module ${modulePath}\n`);

/** A `require` line: a dependency and its minimum version. */
export interface GoModRequire {
  path: string;
  version: string;
  indirect: boolean;
}

/** A `retract` line: one version (low === high) or an inclusive interval, with its comment. */
export interface GoModRetract {
  low: string;
  high: string;
  rationale: string;
}

/** What the web UI shows from a go.mod: its requirements, retractions and deprecation. */
export interface GoModSummary {
  modulePath: string;
  /** The text after `Deprecated:` in the module directive's comment, or undefined. */
  deprecated: string | undefined;
  requires: GoModRequire[];
  retracts: GoModRetract[];
}

interface GoModLine {
  tokens: string[];
  /** The `//` comment lines directly above the line (no blank line between) and its own end-of-line comment. */
  comments: string[];
  /** Its own end-of-line comment. */
  suffix: string | undefined;
  /** The comments of the block the line is in (`retract (` …), when it is in one. */
  blockComments: string[] | undefined;
}

/** A line split as modfile's lexer splits it: quoted strings, words, and `( ) [ ] ,`; the `//` comment apart. */
function lexLine(line: string): { tokens: string[]; comment: string | undefined } {
  const tokens: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (GO_SPACE.includes(c)) i++;
    else if (line.startsWith('//', i)) return { tokens, comment: goTrimSpace(line.slice(i + 2)) };
    else if ('()[],'.includes(c)) tokens.push(c), i++;
    else if (c === '"' || c === '`') {
      let j = i + 1;
      while (j < line.length && line[j] !== c) j += c === '"' && line[j] === '\\' ? 2 : 1;
      tokens.push(line.slice(i, j + 1));
      i = j + 1;
    } else {
      let j = i;
      while (j < line.length && !GO_SPACE.includes(line[j]!) && !'()[],'.includes(line[j]!) && !line.startsWith('//', j)) j++;
      tokens.push(line.slice(i, j));
      i = j;
    }
  }
  return { tokens, comment: undefined };
}

/** The go.mod as directive lines (a block's lines get its verb first), each with the comments modfile would attach. */
function goModLines(text: string): GoModLine[] {
  const out: GoModLine[] = [];
  let pending: string[] = [];
  let block: { verb: string; comments: string[] } | undefined;
  for (const raw of text.split('\n')) {
    const { tokens, comment } = lexLine(raw);
    if (tokens.length === 0) {
      pending = comment === undefined ? [] : [...pending, comment];
      continue;
    }
    const comments = comment === undefined ? pending : [...pending, comment];
    pending = [];
    if (block && tokens[0] === ')') {
      block = undefined;
    } else if (block) {
      out.push({ tokens: [block.verb, ...tokens], comments, suffix: comment, blockComments: block.comments });
    } else if (tokens.length === 2 && tokens[1] === '(') {
      block = { verb: tokens[0]!, comments };
    } else {
      out.push({ tokens, comments, suffix: comment, blockComments: undefined });
    }
  }
  return out;
}

const unquoted = (token: string | undefined) => (token === undefined ? undefined : token.startsWith('"') || token.startsWith('`') ? goUnquote(token) : token);

/** modfile's parseDirectiveComment: the line's own comments, else its block's. */
const directiveComment = (line: GoModLine) =>
  (line.comments.length === 0 && line.blockComments ? line.blockComments : line.comments).join('\n');

/** modfile's deprecatedRE: the paragraph that starts with `Deprecated:`. */
const DEPRECATED = /(?:^|\n\n)Deprecated: *([\s\S]*?)(?:$|\n\n)/;

function retractOf(line: GoModLine): GoModRetract | undefined {
  const args = line.tokens.slice(1);
  const rationale = directiveComment(line);
  if (args.length === 1) {
    const v = unquoted(args[0]);
    return v ? { low: v, high: v, rationale } : undefined;
  }
  if (args.length === 5 && args[0] === '[' && args[2] === ',' && args[4] === ']') {
    const low = unquoted(args[1]);
    const high = unquoted(args[3]);
    return low && high ? { low, high, rationale } : undefined;
  }
  return undefined;
}

/**
 * The module directive, requirements, retractions and deprecation of a go.mod, read
 * leniently (a line that does not parse is skipped: the file was accepted at upload,
 * and the UI only shows it).
 */
export function summarizeGoMod(mod: Buffer | string): GoModSummary {
  const text = typeof mod === 'string' ? mod : mod.toString('utf8');
  const summary: GoModSummary = { modulePath: modulePathOfGoMod(text), deprecated: undefined, requires: [], retracts: [] };
  for (const line of goModLines(text)) {
    const [verb] = line.tokens;
    if (verb === 'module' && summary.deprecated === undefined) {
      summary.deprecated = DEPRECATED.exec(directiveComment(line))?.[1];
    } else if (verb === 'require' && line.tokens.length === 3) {
      const path = unquoted(line.tokens[1]);
      const version = unquoted(line.tokens[2]);
      const indirect = line.suffix?.split(';').some((part) => goTrimSpace(part) === 'indirect') ?? false;
      if (path && version) summary.requires.push({ path, version, indirect });
    } else if (verb === 'retract') {
      const r = retractOf(line);
      if (r) summary.retracts.push(r);
    }
  }
  return summary;
}

/** The retraction that covers the version (modfile's semver.Compare interval check), or undefined. */
export function retractionOf(version: string, retracts: readonly GoModRetract[]): GoModRetract | undefined {
  return retracts.find((r) => comparePrecedence(r.low, version) <= 0 && comparePrecedence(version, r.high) <= 0);
}
