/**
 * The little of go.mod the registry needs: the module directive, read the way
 * golang.org/x/mod/modfile.ModulePath reads it (comments, quoted or bare paths).
 */

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"',
};

/** strconv.Unquote for the forms a go.mod can hold; undefined when malformed. */
export function goUnquote(s: string): string | undefined {
  if (s.length >= 2 && s.startsWith('`') && s.endsWith('`')) {
    const body = s.slice(1, -1);
    return body.includes('`') ? undefined : body.replace(/\r/g, '');
  }
  if (s.length < 2 || !s.startsWith('"') || !s.endsWith('"')) return undefined;
  const body = s.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '"' || c === '\n') return undefined;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) return undefined;
    if (e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
      continue;
    }
    const width = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : /[0-7]/.test(e) ? 3 : 0;
    if (width === 0) return undefined;
    const digits = /[0-7]/.test(e) ? body.slice(i, i + 3) : body.slice(i + 1, i + 1 + width);
    const radix = /[0-7]/.test(e) ? 8 : 16;
    if (digits.length !== width || !new RegExp(radix === 8 ? '^[0-7]+$' : '^[0-9a-fA-F]+$').test(digits)) return undefined;
    const code = parseInt(digits, radix);
    if (code > 0x10ffff) return undefined;
    out += String.fromCodePoint(code);
    i += radix === 8 ? 2 : width;
  }
  return out;
}

/** modfile.ModulePath: the module directive's path, or "" when there is none. */
export function modulePathOfGoMod(mod: Buffer | string): string {
  const text = typeof mod === 'string' ? mod : mod.toString('utf8');
  for (const rawLine of text.split('\n')) {
    let line = rawLine;
    const comment = line.indexOf('//');
    if (comment >= 0) line = line.slice(0, comment);
    line = line.trim();
    if (!line.startsWith('module')) continue;
    const rest = line.slice('module'.length);
    const path = rest.trim();
    // "modulefoo" is not a directive: the keyword must be followed by space.
    if (path.length === rest.length || path === '') continue;
    if (path.startsWith('"') || path.startsWith('`')) return goUnquote(path) ?? '';
    return path;
  }
  return '';
}

/** What Go serves as go.mod for a module whose zip has none. */
export const synthesizedGoMod = (modulePath: string) => Buffer.from(`module ${modulePath}\n`);
