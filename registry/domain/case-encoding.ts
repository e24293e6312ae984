/**
 * GOPROXY case encoding (module.EscapePath / UnescapePath): every uppercase letter
 * travels as "!" + its lowercase form, so paths survive case-insensitive file systems.
 * This is the only place that decodes them.
 */
import { checkModulePath, checkVersionElement } from './module-path.js';

export function escapeCase(s: string): string {
  return s.replace(/[A-Z]/g, (c) => '!' + c.toLowerCase());
}

/** Inverse of escapeCase; undefined for an encoding `go` would never produce. */
export function unescapeCase(escaped: string): string | undefined {
  let out = '';
  let bang = false;
  for (const c of escaped) {
    if (c.charCodeAt(0) >= 0x80) return undefined;
    if (bang) {
      bang = false;
      if (c < 'a' || c > 'z') return undefined;
      out += c.toUpperCase();
      continue;
    }
    if (c === '!') {
      bang = true;
      continue;
    }
    if (c >= 'A' && c <= 'Z') return undefined;
    out += c;
  }
  return bang ? undefined : out;
}

/** module.UnescapePath: the decoded path, or undefined when it is not a valid module path. */
export function unescapeModulePath(escaped: string): string | undefined {
  const path = unescapeCase(escaped);
  return path !== undefined && checkModulePath(path) === undefined ? path : undefined;
}

/** module.UnescapeVersion. */
export function unescapeVersion(escaped: string): string | undefined {
  const v = unescapeCase(escaped);
  return v !== undefined && checkVersionElement(v) === undefined ? v : undefined;
}
