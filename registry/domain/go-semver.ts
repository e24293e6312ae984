/**
 * Go's flavour of semantic versions (golang.org/x/mod/semver): a leading "v",
 * shorthands "v1" and "v1.2" are valid but not canonical, build metadata is ignored
 * when comparing. Parsing is Go-specific and written here; ordering of canonical
 * versions is delegated to the `semver` package, which implements SemVer 2.0 precedence.
 */
import semverCompare from 'semver/functions/compare.js';

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

/**
 * Orders two valid versions as Go's semver.Compare does, then by the full string so
 * that the order is total (Go's module.Sort does the same for ties such as builds).
 */
export function compareVersions(a: string, b: string): number {
  const byPrecedence = semverCompare(canonical(a).slice(1), canonical(b).slice(1));
  if (byPrecedence !== 0) return byPrecedence;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Largest number the comparison library accepts; Go has no limit, we refuse beyond it. */
export function hasOversizedNumber(v: string): boolean {
  const p = parseVersion(v);
  if (!p) return false;
  const nums = [p.major, p.minor, p.patch, ...p.prerelease.slice(1).split('.').filter((s) => /^[0-9]+$/.test(s))];
  return nums.some((n) => n !== '' && Number(n) > Number.MAX_SAFE_INTEGER);
}

const PSEUDO = /^v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/** module.IsPseudoVersion: a version Go synthesised from a commit. */
export function isPseudoVersion(v: string): boolean {
  return v.split('-').length - 1 >= 2 && isValidVersion(v) && PSEUDO.test(v);
}
