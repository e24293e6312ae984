/**
 * Go's flavour of semantic versions (golang.org/x/mod/semver): a leading "v",
 * shorthands "v1" and "v1.2" are valid but not canonical, build metadata is ignored
 * when comparing. Numbers may have any number of digits, as in Go: they are compared
 * as digit strings (by length, then digit by digit), never converted to JS numbers.
 */

export interface ParsedVersion {
  major: string;
  minor: string;
  patch: string;
  /** "-rc.1" or "" */
  prerelease: string;
  /** "+incompatible" or "" */
  build: string;
  /** true for "v1" or "v1.2" shorthands */
  short: boolean;
}

const NUM = '(0|[1-9][0-9]*)';
const IDENT = '[0-9A-Za-z-]+';
const PRERELEASE_IDENT = `(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)`;
const FULL = new RegExp(
  `^v${NUM}(?:\\.${NUM}(?:\\.${NUM}(-${PRERELEASE_IDENT}(?:\\.${PRERELEASE_IDENT})*)?(\\+${IDENT}(?:\\.${IDENT})*)?)?)?$`,
);

export function parseVersion(v: string): ParsedVersion | undefined {
  const m = FULL.exec(v);
  if (!m) return undefined;
  const [, major, minor, patch, prerelease, build] = m;
  return {
    major: major!,
    minor: minor ?? '0',
    patch: patch ?? '0',
    prerelease: prerelease ?? '',
    build: build ?? '',
    short: patch === undefined,
  };
}

export const isValidVersion = (v: string) => parseVersion(v) !== undefined;

/** semver.Canonical: "v1.2" → "v1.2.0", build metadata dropped; "" when invalid. */
export function canonical(v: string): string {
  const p = parseVersion(v);
  if (!p) return '';
  return `v${p.major}.${p.minor}.${p.patch}${p.prerelease}`;
}

/** module.CanonicalVersion: like canonical but keeps "+incompatible". */
export function canonicalModuleVersion(v: string): string {
  const p = parseVersion(v);
  if (!p) return '';
  return canonical(v) + (p.build === '+incompatible' ? '+incompatible' : '');
}

export const majorOf = (v: string) => {
  const p = parseVersion(v);
  return p ? `v${p.major}` : '';
};

export const buildOf = (v: string) => parseVersion(v)?.build ?? '';

export const isPrerelease = (v: string) => (parseVersion(v)?.prerelease ?? '') !== '';

/** Compares two decimal digit strings without leading zeros, of any length. */
function compareNumbers(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const isNumeric = (ident: string) => /^[0-9]+$/.test(ident);

/** semver.comparePrerelease: "" (a release) sorts after every pre-release. */
function comparePrerelease(x: string, y: string): number {
  if (x === y) return 0;
  if (x === '') return 1;
  if (y === '') return -1;
  const xs = x.slice(1).split('.');
  const ys = y.slice(1).split('.');
  for (let i = 0; i < xs.length && i < ys.length; i++) {
    const dx = xs[i]!;
    const dy = ys[i]!;
    if (dx === dy) continue;
    const nx = isNumeric(dx);
    const ny = isNumeric(dy);
    if (nx !== ny) return nx ? -1 : 1;
    if (nx) return compareNumbers(dx, dy);
    return dx < dy ? -1 : 1;
  }
  return xs.length < ys.length ? -1 : xs.length > ys.length ? 1 : 0;
}

/** semver.Compare: precedence of two versions, build metadata ignored; an invalid version sorts first. */
export function comparePrecedence(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) return pa ? 1 : pb ? -1 : 0;
  return (
    compareNumbers(pa.major, pb.major) ||
    compareNumbers(pa.minor, pb.minor) ||
    compareNumbers(pa.patch, pb.patch) ||
    comparePrerelease(pa.prerelease, pb.prerelease)
  );
}

/**
 * Orders two versions as Go's semver.Compare does, then by the full string so that the
 * order is total (Go's module.Sort does the same for ties such as builds).
 */
export function compareVersions(a: string, b: string): number {
  const byPrecedence = comparePrecedence(a, b);
  if (byPrecedence !== 0) return byPrecedence;
  return a < b ? -1 : a > b ? 1 : 0;
}

const PSEUDO = /^v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/** module.IsPseudoVersion: a version Go synthesised from a commit. */
export function isPseudoVersion(v: string): boolean {
  return v.split('-').length - 1 >= 2 && isValidVersion(v) && PSEUDO.test(v);
}
