/**
 * The file rules of golang.org/x/mod/zip's Create (checkFiles), for the files a module
 * zip is made from — a folder (dir-files.ts) or a git tag (git-files.ts): which files are
 * omitted (vendored packages, nested modules, .hg_archival.txt, symbolic links, other
 * non-regular files) and which make the zip invalid (unclean or bad names, go.mod case,
 * case-fold collisions, go.mod/LICENSE/total size). The name rules are the registry's own
 * (registry/domain), the ones its upload check applies.
 */
import path from 'node:path/posix';
import type { Readable } from 'node:stream';
import { checkFilePath } from '../../registry/domain/module-path.js';
import { goFoldCase } from '../../registry/domain/unicode-rules.js';
import { MAX_GO_MOD, MAX_LICENSE, MAX_ZIP_FILE } from '../../registry/upload/module-zip-check.js';

export type FileKind = 'file' | 'dir' | 'symlink' | 'other';

/** One candidate file: its slash path inside the module, what it is, and how to read it. */
export interface ModuleFile {
  path: string;
  kind: FileKind;
  size: number;
  open(): Readable | Promise<Readable>;
  /** Only for the root go.mod: its bytes, to read the go directive. */
  read(): Promise<Buffer>;
}

export interface FileProblem {
  path: string;
  rule: string;
}

export interface CheckedFiles {
  valid: ModuleFile[];
  omitted: FileProblem[];
  invalid: FileProblem[];
  sizeError: string | undefined;
}

export const OMIT = {
  vcs: 'directory is a version control repository',
  vendored: 'file is in vendor directory',
  submoduleFile: 'file is in another module',
  submoduleDir: 'directory is in another module',
  hgArchival: "file is inserted by 'hg archive' and is always omitted",
  symlink: 'file is a symbolic link',
  notRegular: 'not a regular file',
} as const;

/**
 * The go directive of a go.mod (modfile.ParseLax, Go.Version) as `version.Lang` gives it:
 * [major, minor], or undefined when there is none. A lax version such as `1.21beta` or
 * `v1.21` counts by its leading major.minor, as ParseLax fixes it.
 */
export function goLangOfGoMod(data: Buffer | string): [number, number] | undefined {
  let depth = 0;
  for (const raw of data.toString().split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (line.endsWith('(')) depth++;
    else if (line === ')') depth = Math.max(0, depth - 1);
    if (depth > 0) continue;
    const words = line.split(/[ \t]+/);
    if (words[0] !== 'go' || words.length !== 2) continue;
    const strict = /^([1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?([a-z]+[0-9]+)?$/.exec(words[1]!);
    const lax = strict ?? /^v?([1-9][0-9]*)\.(0|[1-9][0-9]*)[^0-9]/.exec(words[1]!);
    return lax ? [Number(lax[1]), Number(lax[2])] : undefined;
  }
  return undefined;
}

const atLeastGo124 = (lang: [number, number] | undefined) => lang !== undefined && (lang[0] > 1 || (lang[0] === 1 && lang[1] >= 24));

/**
 * x/mod/zip isVendoredPackage: files in a vendored package (vendor/a/x.go, not vendor/x.go),
 * and from go 1.24 vendor/modules.txt; before 1.24 the "/vendor/" inside a path is found
 * with Go's old off-by-prefix bug (golang.org/issue/37397), kept so that old checksums hold.
 */
export function isVendoredPackage(name: string, lang: [number, number] | undefined): boolean {
  const go124 = atLeastGo124(lang);
  if (go124 && name === 'vendor/modules.txt') return true;
  let i: number;
  if (name.startsWith('vendor/')) i = 'vendor/'.length;
  else {
    const j = name.indexOf('/vendor/');
    if (j < 0) return false;
    i = go124 ? j + '/vendor/'.length : '/vendor/'.length;
  }
  return name.slice(i).includes('/');
}

/** x/mod/zip collisionChecker. */
function checkCollision(seen: Map<string, { path: string; isDir: boolean }>, p: string, isDir: boolean): string | undefined {
  const fold = goFoldCase(p);
  const other = seen.get(fold);
  if (other) {
    if (p !== other.path) return `case-insensitive file name collision: ${JSON.stringify(other.path)} and ${JSON.stringify(p)}`;
    if (isDir !== other.isDir) return `entry ${JSON.stringify(p)} is both a file and a directory`;
    if (!isDir) return `multiple entries for file ${JSON.stringify(p)}`;
  } else {
    seen.set(fold, { path: p, isDir });
  }
  const parent = path.dirname(p);
  return parent === '.' ? undefined : checkCollision(seen, parent, true);
}

/** The go language version of the root go.mod among the files (undefined: none, or not readable). */
export async function rootGoLang(files: ModuleFile[]): Promise<[number, number] | undefined> {
  const goMod = files.find((f) => f.path === 'go.mod' && f.kind === 'file');
  return goMod ? goLangOfGoMod(await goMod.read()) : undefined;
}

/** x/mod/zip checkFiles: every file ends up in exactly one of valid, omitted, invalid. */
export async function checkFiles(files: ModuleFile[]): Promise<CheckedFiles> {
  const result: CheckedFiles = { valid: [], omitted: [], invalid: [], sizeError: undefined };
  const reported = new Set<string>();
  const report = (p: string, omitted: boolean, rule: string) => {
    if (reported.has(p)) return;
    reported.add(p);
    (omitted ? result.omitted : result.invalid).push({ path: p, rule });
  };
  const haveGoMod = new Set<string>();
  for (const f of files) {
    const base = path.basename(f.path);
    if (base.toLowerCase() === 'go.mod' && f.kind === 'file') haveGoMod.add(f.path.slice(0, f.path.length - base.length));
  }
  const lang = await rootGoLang(files);
  const inSubmodule = (p: string) => {
    for (let dir = path.dirname(p); dir !== '.'; dir = path.dirname(dir)) if (haveGoMod.has(dir + '/')) return true;
    return false;
  };
  const seen = new Map<string, { path: string; isDir: boolean }>();
  let budget = MAX_ZIP_FILE;
  for (const f of files) {
    const p = f.path;
    const problem = fileProblem(f, lang, inSubmodule, seen);
    if (problem) {
      report(p, problem.omitted, problem.rule);
      continue;
    }
    if (f.size <= budget) budget -= f.size;
    else result.sizeError ??= `module source tree too large (max size is ${MAX_ZIP_FILE} bytes)`;
    if (p === 'go.mod' && f.size > MAX_GO_MOD) report(p, false, `go.mod file too large (max size is ${MAX_GO_MOD} bytes)`);
    else if (p === 'LICENSE' && f.size > MAX_LICENSE) report(p, false, `LICENSE file too large (max size is ${MAX_LICENSE} bytes)`);
    else result.valid.push(f);
  }
  return result;
}

function fileProblem(
  f: ModuleFile,
  lang: [number, number] | undefined,
  inSubmodule: (p: string) => boolean,
  seen: Map<string, { path: string; isDir: boolean }>,
): { omitted: boolean; rule: string } | undefined {
  const p = f.path;
  if (path.normalize(p) !== p || p.endsWith('/')) return { omitted: false, rule: 'file path is not clean' };
  if (path.isAbsolute(p)) return { omitted: false, rule: 'file path is not relative' };
  if (isVendoredPackage(p, lang)) return { omitted: true, rule: OMIT.vendored };
  if (inSubmodule(p)) return { omitted: true, rule: OMIT.submoduleFile };
  if (p === '.hg_archival.txt') return { omitted: true, rule: OMIT.hgArchival };
  const badName = checkFilePath(p);
  if (badName) return { omitted: false, rule: badName };
  if (p.toLowerCase() === 'go.mod' && p !== 'go.mod') return { omitted: false, rule: 'go.mod files must have lowercase names' };
  const collision = checkCollision(seen, p, f.kind === 'dir');
  if (collision) return { omitted: false, rule: collision };
  if (f.kind === 'symlink') return { omitted: true, rule: OMIT.symlink };
  if (f.kind !== 'file') return { omitted: true, rule: OMIT.notRegular };
  return undefined;
}
