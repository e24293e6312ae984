/**
 * The x/mod oracle (test/fuzz/xmod-oracle, a Go program on golang.org/x/mod at the version
 * its go.mod pins): built once into ~/.cache/go-registry/xmod-oracle-<x/mod version>-<source
 * hash>/, then run as a child that answers one JSON request per line, in order. Requests
 * are pipelined: ask() writes at once and resolves when its answer line arrives.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { buildOnce, cacheRoot, requireGo, runGo, sourceHash } from '../../support/go-build-cache.js';
import { REPO_ROOT } from '../../support/paths.js';

const SOURCE_DIR = path.join(REPO_ROOT, 'test', 'fuzz', 'xmod-oracle');
const SOURCES = ['go.mod', 'go.sum', 'main.go', 'create.go'];

/** The golang.org/x/mod version the oracle's go.mod requires. */
export function xmodVersion(): string {
  const m = /golang\.org\/x\/mod (v\S+)/.exec(readFileSync(path.join(SOURCE_DIR, 'go.mod'), 'utf8'));
  if (!m) throw new Error('test/fuzz/xmod-oracle/go.mod does not require golang.org/x/mod');
  return m[1]!;
}

export async function ensureOracleBinary(): Promise<string> {
  const dir = path.join(cacheRoot(), `xmod-oracle-${xmodVersion()}-${sourceHash(SOURCE_DIR, SOURCES)}`);
  await buildOnce(dir, ['xmod-oracle'], async (staging) => {
    requireGo('the x/mod oracle of the fuzz tests');
    await runGo(['build', '-trimpath', '-o', path.join(staging, 'xmod-oracle'), '.'], SOURCE_DIR, { GOFLAGS: '-mod=readonly' }, 'xmod-oracle');
  });
  return path.join(dir, 'xmod-oracle');
}

export interface Oracle {
  ask<T>(request: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

export async function startOracle(): Promise<Oracle> {
  const child: ChildProcessWithoutNullStreams = spawn(await ensureOracleBinary(), [], { stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  let failure: Error | undefined;
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.resolve(JSON.parse(line)));
  child.on('exit', (code, signal) => {
    failure = new Error(`xmod-oracle exited (${code ?? signal}): ${stderr}`);
    for (const w of waiting.splice(0)) w.reject(failure);
  });
  child.stdin.on('error', () => {});
  return {
    ask<T>(request: Record<string, unknown>): Promise<T> {
      if (failure) return Promise.reject(failure);
      return new Promise<T>((resolve, reject) => {
        waiting.push({ resolve: resolve as (v: unknown) => void, reject });
        child.stdin.write(JSON.stringify(request) + '\n');
      });
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin.end();
      await exited;
    },
  };
}
