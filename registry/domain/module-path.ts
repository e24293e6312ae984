/**
 * Module, file and version path rules of golang.org/x/mod/module (CheckPath,
 * CheckFilePath, SplitPathVersion, CheckPathMajor, Check). Each check returns the
 * problem as x/mod words it, or undefined when the input is acceptable.
 */
import { buildOf, canonicalModuleVersion, majorOf } from './go-semver.js';
import { isGoLetter } from './unicode-rules.js';

type PathKind = 'module' | 'import' | 'file';

const BAD_WINDOWS_NAMES = new Set([
  'CON', 'PRN', 'AUX', 'NUL',
  ...Array.from({ length: 9 }, (_, i) => `COM${i + 1}`),
  ...Array.from({ length: 9 }, (_, i) => `LPT${i + 1}`),
]);
const FILE_PUNCTUATION = "!#$%&()+,-.=@[]^_{}~ ";

const isAsciiAlnum = (c: string) => /^[0-9A-Za-z]$/.test(c);
const modPathOK = (c: string) => isAsciiAlnum(c) || '-._~'.includes(c);
const fileNameOK = (c: string) =>
  c.charCodeAt(0) < 0x80 ? isAsciiAlnum(c) || FILE_PUNCTUATION.includes(c) : isGoLetter(c.codePointAt(0)!);
const firstPathOK = (c: string) => /^[-.0-9a-z]$/.test(c);

/** Go's %q for a single rune, enough for error messages. */
const quoteRune = (c: string) => (c === "'" ? "'\\''" : `'${c}'`);

/** True when the string round-trips as UTF-8 (no lone surrogates). */
export const isWellFormed = (s: string) => !/\p{Cs}/u.test(s);

function checkElem(elem: string, kind: PathKind): string | undefined {
  if (elem === '') return 'empty path element';
  if (/^\.+$/.test(elem)) return `invalid path element "${elem}"`;
  if (elem.startsWith('.') && kind === 'module') return 'leading dot in path element';
  if (elem.endsWith('.')) return 'trailing dot in path element';
  for (const c of elem) {
    const ok = kind === 'file' ? fileNameOK(c) : kind === 'import' ? modPathOK(c) || c === '+' : modPathOK(c);
    if (!ok) return `invalid char ${quoteRune(c)}`;
  }
  const dot = elem.indexOf('.');
  const short = dot >= 0 ? elem.slice(0, dot) : elem;
  if (BAD_WINDOWS_NAMES.has(short.toUpperCase())) {
    return `"${short}" disallowed as path element component on Windows`;
  }
  if (kind === 'file') return undefined;
  const tilde = short.lastIndexOf('~');
  if (tilde >= 0 && tilde < short.length - 1 && /^[0-9]+$/.test(short.slice(tilde + 1))) {
    return 'trailing tilde and digits in path element';
  }
  return undefined;
}

function checkPathOf(path: string, kind: PathKind): string | undefined {
  if (!isWellFormed(path)) return 'invalid UTF-8';
  if (path === '') return 'empty string';
  if (path.startsWith('-') && kind !== 'file') return 'leading dash';
  if (path.includes('//')) return 'double slash';
  if (path.endsWith('/')) return 'trailing slash';
  for (const elem of path.split('/')) {
    const problem = checkElem(elem, kind);
    if (problem) return problem;
  }
  return undefined;
}

/** module.CheckPath. */
export function checkModulePath(path: string): string | undefined {
  const problem = checkModulePathRules(path);
  return problem && `malformed module path "${path}": ${problem}`;
}

function checkModulePathRules(path: string): string | undefined {
  const problem = checkPathOf(path, 'module');
  if (problem) return problem;
  const slash = path.indexOf('/');
  const first = slash < 0 ? path : path.slice(0, slash);
  if (first === '') return 'leading slash';
  if (!first.includes('.')) return 'missing dot in first path element';
  if (path.startsWith('-')) return 'leading dash in first path element';
  for (const c of first) {
    if (!firstPathOK(c)) return `invalid char ${quoteRune(c)} in first path element`;
  }
  if (!splitPathVersion(path).ok) return 'invalid version';
  return undefined;
}

/** module.CheckFilePath, for a path inside a module (relative to its root). */
export function checkFilePath(path: string): string | undefined {
  const problem = checkPathOf(path, 'file');
  return problem && `malformed file path "${path}": ${problem}`;
}

/** An escaped version string must be a single file-path element (module.UnescapeVersion). */
export const checkVersionElement = (v: string) => checkElem(v, 'file');

export interface SplitPath {
  prefix: string;
  /** "/v2", ".v1" (gopkg.in) or "" */
  pathMajor: string;
  ok: boolean;
}

/** module.SplitPathVersion: "example.com/m/v2" → prefix "example.com/m", pathMajor "/v2". */
export function splitPathVersion(path: string): SplitPath {
  if (path.startsWith('gopkg.in/')) return splitGopkgIn(path);
  let i = path.length;
  let dot = false;
  while (i > 0 && /[0-9.]/.test(path[i - 1]!)) {
    if (path[i - 1] === '.') dot = true;
    i--;
  }
  if (i <= 1 || i === path.length || path[i - 1] !== 'v' || path[i - 2] !== '/') {
    return { prefix: path, pathMajor: '', ok: true };
  }
  const prefix = path.slice(0, i - 2);
  const pathMajor = path.slice(i - 2);
  if (dot || pathMajor.length <= 2 || pathMajor[2] === '0' || pathMajor === '/v1') {
    return { prefix: path, pathMajor: '', ok: false };
  }
  return { prefix, pathMajor, ok: true };
}

function splitGopkgIn(path: string): SplitPath {
  let i = path.length;
  if (path.endsWith('-unstable')) i -= '-unstable'.length;
  while (i > 0 && /[0-9]/.test(path[i - 1]!)) i--;
  if (i <= 1 || path[i - 1] !== 'v' || path[i - 2] !== '.') return { prefix: path, pathMajor: '', ok: false };
  const prefix = path.slice(0, i - 2);
  const pathMajor = path.slice(i - 2);
  if (pathMajor.length <= 2 || (pathMajor[2] === '0' && pathMajor !== '.v0')) {
    return { prefix: path, pathMajor: '', ok: false };
  }
  return { prefix, pathMajor, ok: true };
}

/** module.CheckPathMajor: does version v fit the path's major-version suffix? */
export function checkPathMajor(v: string, pathMajor: string): string | undefined {
  let pm = pathMajor;
  if (pm.startsWith('.v') && pm.endsWith('-unstable')) pm = pm.slice(0, -'-unstable'.length);
  if (v.startsWith('v0.0.0-') && pm === '.v1') return undefined;
  const m = majorOf(v);
  let want: string;
  if (pm === '') {
    if (m === 'v0' || m === 'v1' || buildOf(v) === '+incompatible') return undefined;
    want = 'v0 or v1';
  } else {
    if (m === pm.slice(1)) return undefined;
    want = pm.slice(1);
  }
  return `invalid version: should be ${want}, not ${m}`;
}

/**
 * The registry's own bounds, which Go does not have: the (owner, module, version) key must
 * fit a PostgreSQL index row (about 2.7 kB) and a change notification (8 kB). Real module
 * paths are far shorter; a version this long is a version nobody types.
 */
export const MAX_MODULE_PATH_LENGTH = 1024;
export const MAX_VERSION_LENGTH = 512;

/**
 * zip.checkZip's opening checks: module.Check plus canonical form, and the registry's
 * length bounds. Returns the problem in x/mod's words or undefined.
 */
export function checkModuleVersion(path: string, version: string): string | undefined {
  if (path.length > MAX_MODULE_PATH_LENGTH) {
    return `module path is ${path.length} characters long; this registry stores paths of up to ${MAX_MODULE_PATH_LENGTH}`;
  }
  const versionProblem = checkVersionString(version);
  if (versionProblem) return versionProblem;
  const pathProblem = checkModulePath(path);
  if (pathProblem) return pathProblem;
  const { pathMajor } = splitPathVersion(path);
  const majorProblem = checkPathMajor(version, pathMajor) ?? checkIncompatible(version, pathMajor);
  return majorProblem && `${path}: ${majorProblem}`;
}

/** A canonical module version (semver, "+incompatible" the only build) the registry can store. */
export function checkVersionString(version: string): string | undefined {
  if (version.length > MAX_VERSION_LENGTH) {
    return `version is ${version.length} characters long; this registry stores versions of up to ${MAX_VERSION_LENGTH}`;
  }
  const cv = canonicalModuleVersion(version);
  if (cv === '') {
    return `version ${JSON.stringify(version)} is not a semantic version (want a canonical version such as v1.2.3)`;
  }
  if (cv !== version) return `version ${JSON.stringify(version)} is not canonical (should be "${cv}")`;
  return undefined;
}

/** cmd/go's extra rules for +incompatible: only for v2+ of a path without a major suffix. */
function checkIncompatible(version: string, pathMajor: string): string | undefined {
  if (buildOf(version) !== '+incompatible') return undefined;
  if (pathMajor !== '') {
    return 'invalid version: +incompatible suffix not allowed: module path includes a major version suffix, so major version must match';
  }
  const major = majorOf(version);
  if (major === 'v0' || major === 'v1') {
    return `invalid version: +incompatible suffix not allowed: major version ${major} is compatible`;
  }
  return undefined;
}
