/**
 * module.MatchPrefixPatterns: does a module path match one of comma-separated glob
 * patterns (GONOSUMDB, GOPRIVATE syntax)? A pattern with N slashes is matched, with
 * path.Match, against the target's first N+1 path elements.
 */
export function matchPrefixPatterns(patterns: readonly string[], target: string): boolean {
  for (const glob of patterns) {
    if (glob === '') continue;
    let n = (glob.match(/\//g) ?? []).length;
    let prefix = target;
    for (let i = 0; i < target.length; i++) {
      if (target[i] !== '/') continue;
      if (n === 0) {
        prefix = target.slice(0, i);
        break;
      }
      n--;
    }
    if (n > 0) continue; // not enough elements
    if (pathMatch(glob, prefix)) return true;
  }
  return false;
}

/** path.Match: `*` any run of non-slash characters, `?` one, `[...]` a class (`^` negates), `\` escapes. */
export function pathMatch(pattern: string, name: string): boolean {
  let source = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]!);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return false; // malformed: path.Match reports ErrBadPattern, which matches nothing
      const body = pattern.slice(i + 1, end);
      const negated = body.startsWith('^');
      const members = (negated ? body.slice(1) : body).replace(/[\]\\]/g, '\\$&');
      source += negated ? `[^/${members}]` : `[${members}]`;
      i = end;
    } else source += escapeRegExp(c);
  }
  try {
    return new RegExp(source + '$', 'u').test(name);
  } catch {
    return false;
  }
}

const escapeRegExp = (c: string) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
