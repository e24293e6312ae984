/**
 * The little of go.mod the registry needs: the module directive, read the way
 * golang.org/x/mod/modfile.ModulePath reads it (comments, quoted or bare paths).
 */

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
