/**
 * Builds Go programs the tests need into a cache outside the clone
 * (~/.cache/go-registry/<key>/), once per key: the build runs in a staging folder that is
 * renamed into place atomically, so a half-built folder is never used and concurrent
 * builders reuse the winner's. Used for the Kubernetes control plane (test/k8s) and the
 * x/mod oracle (test/fuzz).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const cacheRoot = () => process.env.GO_REGISTRY_CACHE ?? path.join(os.homedir(), '.cache', 'go-registry');

/** The first 12 hex digits of the SHA-256 of the files (in dir) and extra strings, for cache keys. */
export function sourceHash(dir: string, files: string[], ...extra: string[]): string {
  const hash = createHash('sha256');
  for (const f of files) hash.update(readFileSync(path.join(dir, f)));
  for (const e of extra) hash.update(e);
  return hash.digest('hex').slice(0, 12);
}

export function requireGo(what: string): void {
  const probe = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`the go command is needed to build ${what}: install Go >= 1.26 (https://go.dev/dl/) and put it on PATH`);
  }
}

/** Runs go with progress on stderr: one line every 100 packages compiled. */
export function runGo(args: string[], cwd: string, env: NodeJS.ProcessEnv, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // GOTOOLCHAIN=auto: an older local Go fetches the release go.mod asks for (Go >= 1.26) from the module proxy.
    const child = spawn('go', args, { cwd, env: { ...process.env, GOTOOLCHAIN: 'auto', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let packages = 0;
    let tail = '';
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-8000);
      for (const line of text.split('\n')) {
        if (line.trim() !== '' && !line.startsWith('go: ') && ++packages % 100 === 0) {
          process.stderr.write(`[go build] ${label}: ${packages} packages…\n`);
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go ${args[0]} for ${label} failed (${code}):\n${tail}`))));
  });
}

/**
 * Returns dir once `done` (paths inside it) exist; otherwise runs build(staging) and
 * renames staging to dir. A build that fails leaves nothing behind.
 */
export async function buildOnce(dir: string, done: string[], build: (staging: string) => Promise<void>): Promise<void> {
  if (done.every((f) => existsSync(path.join(dir, f)))) return;
  const staging = `${dir}.building-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await build(staging);
    await rename(staging, dir).catch(async (err: NodeJS.ErrnoException) => {
      // Another process finished the same build first: use theirs.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      await rm(staging, { recursive: true, force: true });
    });
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}
