/**
 * Where `publish` takes a module's files from — a folder, or a git tag with the version the
 * tag names (`vX.Y.Z`, or `sub/dir/vX.Y.Z` for a module in sub/dir, as go resolves
 * versions of a module in a subdirectory; for a major-version subdirectory such as
 * `sub/v2`, the tag `sub/v2.0.0` is what go looks for) — and the module path, from the
 * root go.mod or --module.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { modulePathOfGoMod } from '../registry/domain/go-mod-file.js';
import { splitPathVersion } from '../registry/domain/module-path.js';
import { usageError } from './cli-error.js';
import { filesInDir } from './zip/dir-files.js';
import { filesAtGitTag, gitLocation } from './zip/git-files.js';
import type { FileProblem, ModuleFile } from './zip/module-files.js';

export interface ModuleSource {
  modulePath: string;
  version: string;
  files: ModuleFile[];
  /** Left out while listing (folders: VCS, nested modules); checkFiles adds the per-file ones. */
  omitted: FileProblem[];
  close(): Promise<void>;
}

export interface SourceOptions {
  version?: string;
  module?: string;
  fromGit?: string;
}

async function modulePathOf(files: ModuleFile[], option: string | undefined): Promise<string> {
  const goMod = files.find((f) => f.path === 'go.mod' && f.kind === 'file');
  const declared = goMod ? modulePathOfGoMod(await goMod.read()) : '';
  if (option) return option;
  if (declared) return declared;
  throw usageError(goMod ? 'go.mod has no module directive: give --module' : 'no go.mod in the module folder: give the module path with --module');
}

/** The tag prefixes go looks for a module in subdir under. */
export function tagPrefixes(subdir: string, modulePath: string): string[] {
  if (subdir === '') return [''];
  const prefixes = [`${subdir}/`];
  const major = splitPathVersion(modulePath).pathMajor.replace(/^[/.]/, '');
  const base = path.posix.basename(subdir);
  if (major !== '' && base === major) {
    const parent = path.posix.dirname(subdir);
    prefixes.push(parent === '.' ? '' : `${parent}/`);
  }
  return prefixes;
}

export function versionOfTag(tag: string, prefixes: string[], subdir: string): string {
  for (const prefix of prefixes) {
    const rest = tag.slice(prefix.length);
    if (tag.startsWith(prefix) && /^v[0-9]/.test(rest) && !rest.includes('/')) return rest;
  }
  const want = prefixes.map((p) => `${p}vX.Y.Z`).join(' or ');
  throw usageError(`tag ${JSON.stringify(tag)} is not a version tag of the module in ${JSON.stringify(subdir || '.')} (want ${want})`);
}

export async function moduleSource(dir: string, options: SourceOptions): Promise<ModuleSource> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw usageError(`${dir}: no such folder`);
  if (!options.fromGit) {
    if (!options.version) throw usageError('--version vX.Y.Z is required (or --from-git <tag>)');
    const listed = await filesInDir(dir);
    return { modulePath: await modulePathOf(listed.files, options.module), version: options.version, ...listed, close: async () => {} };
  }
  const { root, subdir } = await gitLocation(dir);
  const git = await filesAtGitTag(root, options.fromGit, subdir);
  try {
    const modulePath = await modulePathOf(git.files, options.module);
    const version = versionOfTag(options.fromGit, tagPrefixes(subdir, modulePath), subdir);
    if (options.version && options.version !== version) throw usageError(`--version ${options.version} differs from the tag's version ${version}`);
    return { modulePath, version, files: git.files, omitted: [], close: git.close };
  } catch (err) {
    await git.close();
    throw err;
  }
}
