/**
 * The files of a module at a git tag, as x/mod/zip CreateFromVCS takes them (filesInGitRepo):
 * `git archive --format=zip <tag> [subdir]` with core.autocrlf=input and core.eol=lf, so
 * the tag's committed files only — never the working tree — and export-ignore honoured as
 * go honours it; directory entries dropped; for a module in a subdirectory without its own
 * LICENSE, the repository root's LICENSE at the tag. The archive is read with the registry's
 * own zip reader (registry/upload/zip-archive.ts).
 */
import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { openZipArchive, type ZipArchive } from '../../registry/upload/zip-archive.js';
import { CliError, EXIT, usageError } from '../cli-error.js';
import type { FileKind, ModuleFile } from './module-files.js';

const run = promisify(execFile);
const S_IFMT = 0o170000;

export interface GitFiles {
  files: ModuleFile[];
  close(): Promise<void>;
}

async function git(repo: string, args: string[]): Promise<string> {
  return (await gitBytes(repo, args)).toString('utf8');
}

async function gitBytes(repo: string, args: string[]): Promise<Buffer> {
  try {
    return (await run('git', args, { cwd: repo, encoding: 'buffer', maxBuffer: 64 << 20, env: { ...process.env, PWD: repo } })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string; code?: string };
    if (e.code === 'ENOENT') throw new CliError(EXIT.usage, '--from-git needs the git command on PATH');
    throw usageError(`git ${args.join(' ')}: ${(e.stderr || e.message).trim()}`);
  }
}

/** The repository root and the module folder's path in it ('' at the root). */
export async function gitLocation(dir: string): Promise<{ root: string; subdir: string }> {
  const root = (await git(dir, ['rev-parse', '--show-toplevel'])).trim();
  const prefix = (await git(dir, ['rev-parse', '--show-prefix'])).trim().replace(/\/$/, '');
  return { root, subdir: prefix };
}

export async function filesAtGitTag(root: string, tag: string, subdir: string): Promise<GitFiles> {
  const commit = (await git(root, ['rev-parse', '--verify', '--end-of-options', `refs/tags/${tag}^{commit}`])).trim();
  const temp = await mkdtemp(path.join(os.tmpdir(), 'go-registry-git-'));
  const zipFile = path.join(temp, 'archive.zip');
  const args = ['-c', 'core.autocrlf=input', '-c', 'core.eol=lf', 'archive', '--format=zip', commit, ...(subdir ? [subdir] : [])];
  const child = spawn('git', args, { cwd: root, env: { ...process.env, PWD: root }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  await pipeline(child.stdout, createWriteStream(zipFile));
  if ((await exited) !== 0) {
    await rm(temp, { recursive: true, force: true });
    throw usageError(`git archive ${tag}: ${stderr.trim()}`);
  }
  let zip: ZipArchive;
  try {
    zip = await openZipArchive(zipFile);
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw err;
  }
  const files: ModuleFile[] = [];
  for (const entry of zip.entries) {
    if (!entry.name.startsWith(subdir) || entry.name.endsWith('/')) continue;
    const name = entry.name.slice(subdir.length).replace(/^\//, '');
    if (name === '') continue;
    const mode = entry.raw.externalFileAttributes >>> 16;
    const kind: FileKind = (mode & S_IFMT) === 0o120000 ? 'symlink' : (mode & S_IFMT) === 0o100000 || mode === 0 ? 'file' : 'other';
    const open = () => zip.stream(entry);
    files.push({ path: name, kind, size: entry.size, open, read: async () => Buffer.concat(await (await open()).toArray()) });
  }
  if (subdir !== '' && !files.some((f) => f.path === 'LICENSE')) {
    const data = await gitBytes(root, ['cat-file', 'blob', `${commit}:LICENSE`]).catch(() => undefined);
    if (data !== undefined) {
      files.push({ path: 'LICENSE', kind: 'file', size: data.length, open: () => Readable.from([data]), read: async () => data });
    }
  }
  return {
    files,
    close: async () => {
      await zip.close();
      await rm(temp, { recursive: true, force: true });
    },
  };
}
