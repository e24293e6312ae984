/**
 * Differential properties: our ports of x/mod's path, version and go.mod rules give the
 * answers x/mod gives (asked through the oracle), case by case.
 *
 * Intentional differences, not compared:
 * - error wording: only the verdict (accepted or refused) and returned values are compared;
 * - the registry's length bounds (MAX_MODULE_PATH_LENGTH, MAX_VERSION_LENGTH): past them
 *   checkModuleVersion refuses whatever Go says (the key must fit a PostgreSQL index row);
 *   the generators stay below them and a unit test covers the bound;
 * - strings that are not well-formed UTF-16 cannot travel to Go as JSON; our handling of
 *   lone surrogates ("invalid UTF-8") is covered by the unit tests.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { escapeCase, unescapeModulePath, unescapeVersion } from '../../../registry/domain/case-encoding.js';
import { modulePathOfGoMod } from '../../../registry/domain/go-mod-file.js';
import {
  buildOf, canonical, canonicalModuleVersion, comparePrecedence, isPseudoVersion, majorOf, parseVersion,
} from '../../../registry/domain/go-semver.js';
import { checkFilePath, checkModulePath, checkModuleVersion, MAX_MODULE_PATH_LENGTH, MAX_VERSION_LENGTH, splitPathVersion } from '../../../registry/domain/module-path.js';
import type { Oracle } from './xmod-oracle.js';
import { caseEncoded, filePath, modulePath } from './path-arbitraries.js';
import { goModText } from './gomod-arbitraries.js';
import { version, versionedModulePath, versionPair } from './version-arbitraries.js';

interface Result {
  value: string;
  err: string;
}
const q = JSON.stringify;
const refused = (ours: string | undefined, go: string) => `ours: ${ours ?? 'accepted'}; Go: ${go || 'accepted'}`;

function sameResult(name: string, ours: string | undefined, go: Result): void {
  assert.equal(ours === undefined, go.err !== '', `${name}: ours ${q(ours)}, Go ${q(go)}`);
  if (ours !== undefined) assert.equal(ours, go.value, `${name}: ours ${q(ours)}, Go ${q(go.value)}`);
}

interface GoPath {
  checkPath: string;
  checkFilePath: string;
  escapePath: Result;
  unescapePath: Result;
  split: { prefix: string; pathMajor: string; ok: boolean };
}

export async function comparePath(oracle: Oracle, s: string): Promise<void> {
  const go = await oracle.ask<GoPath>({ op: 'path', s });
  const ours = checkModulePath(s);
  assert.equal(ours === undefined, go.checkPath === '', `CheckPath(${q(s)}): ${refused(ours, go.checkPath)}`);
  const file = checkFilePath(s);
  assert.equal(file === undefined, go.checkFilePath === '', `CheckFilePath(${q(s)}): ${refused(file, go.checkFilePath)}`);
  assert.deepEqual(splitPathVersion(s), go.split, `SplitPathVersion(${q(s)})`);
  if (go.escapePath.err === '') assert.equal(escapeCase(s), go.escapePath.value, `EscapePath(${q(s)})`);
  sameResult(`UnescapePath(${q(s)})`, unescapeModulePath(s), go.unescapePath);
}

interface GoVersion {
  isValid: boolean;
  canonical: string;
  canonicalVersion: string;
  major: string;
  prerelease: string;
  build: string;
  compare: number;
  isPseudo: boolean;
  escapeVersion: Result;
  unescapeVersion: Result;
  check: string;
}

export async function compareVersion(oracle: Oracle, v: string, w: string, path: string): Promise<void> {
  const go = await oracle.ask<GoVersion>({ op: 'version', v, w, path });
  const parsed = parseVersion(v);
  const at = `(${q(v)})`;
  assert.equal(parsed !== undefined, go.isValid, `IsValid${at}`);
  assert.equal(canonical(v), go.canonical, `Canonical${at}`);
  assert.equal(canonicalModuleVersion(v), go.canonicalVersion, `CanonicalVersion${at}`);
  assert.equal(majorOf(v), go.major, `Major${at}`);
  assert.equal(parsed?.prerelease ?? '', go.prerelease, `Prerelease${at}`);
  assert.equal(buildOf(v), go.build, `Build${at}`);
  assert.equal(Math.sign(comparePrecedence(v, w)), go.compare, `Compare(${q(v)}, ${q(w)})`);
  assert.equal(isPseudoVersion(v), go.isPseudo, `IsPseudoVersion${at}`);
  if (go.escapeVersion.err === '') assert.equal(escapeCase(v), go.escapeVersion.value, `EscapeVersion${at}`);
  sameResult(`UnescapeVersion${at}`, unescapeVersion(v), go.unescapeVersion);
  const ours = checkModuleVersion(path, v);
  if (path.length > MAX_MODULE_PATH_LENGTH || v.length > MAX_VERSION_LENGTH) {
    assert.notEqual(ours, undefined, `the registry's length bounds refuse ${q(path)}@${q(v)}`);
    return;
  }
  assert.equal(ours === undefined, go.check === '', `module.Check(${q(path)}, ${q(v)}) + canonical + cmd/go's +incompatible rules: ${refused(ours, go.check)}`);
}

export async function compareGoMod(oracle: Oracle, text: string): Promise<void> {
  const go = await oracle.ask<{ modulePath: string }>({ op: 'gomod', s: text });
  assert.equal(modulePathOfGoMod(text), go.modulePath, `modfile.ModulePath(${q(text)})`);
}

/** The targets: a name, the cases, and the check of one case against the oracle. */
export const parserTargets = (oracle: Oracle) => ({
  'module path': fc.asyncProperty(fc.oneof(modulePath, filePath, caseEncoded(modulePath)), (s) => comparePath(oracle, s)),
  version: fc.asyncProperty(fc.oneof(versionPair, fc.tuple(caseEncoded(version), version)), versionedModulePath, ([v, w], p) => compareVersion(oracle, v, w, p)),
  'go.mod': fc.asyncProperty(goModText, (text) => compareGoMod(oracle, text)),
});
