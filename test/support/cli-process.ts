/**
 * The go-registry CLI as a user runs it: the package's `bin` (dist/cli/main.js, executable
 * with its shebang) as a separate process, found on PATH as `go-registry` from a bin folder
 * the test makes, so that GOAUTH='go-registry goauth' is literally what a user writes.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from './paths.js';

export const CLI_MAIN = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');

/** A folder holding `go-registry` (a symlink to the package's bin), for the front of PATH. */
export async function cliBinDir(root: string): Promise<string> {
  const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const bin = path.join(root, 'bin');
  await mkdir(bin, { recursive: true });
  await symlink(path.join(REPO_ROOT, pkg.bin['go-registry']!), path.join(bin, 'go-registry'));
  return bin;
}

export interface CliProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCliProcess(args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string; stdin?: string }): Promise<CliProcessRun> {
  return new Promise((resolve) => {
    const child = execFile(CLI_MAIN, args, { env: options.env, cwd: options.cwd, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(options.stdin ?? '');
  });
}
