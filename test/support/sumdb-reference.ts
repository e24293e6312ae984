/**
 * The checksum database reference peer (test/sumdb/reference: Go on golang.org/x/mod/sumdb at
 * the version its go.mod pins), built once into ~/.cache/go-registry/sumdb-reference-<x/mod
 * version>-<source hash>/. It serves a real checksum database (sumdb.Server over
 * sumdb.TestServer) and verifies lookups as the go command does (sumdb.Client).
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { track } from './child-processes.js';
import { buildOnce, cacheRoot, requireGo, runGo, sourceHash } from './go-build-cache.js';
import { REPO_ROOT, tempDir } from './paths.js';

const SOURCE_DIR = path.join(REPO_ROOT, 'test', 'sumdb', 'reference');
const SOURCES = ['go.mod', 'go.sum', 'main.go', 'client.go'];
const START_TIMEOUT_MS = 15_000;

/** The golang.org/x/mod version the reference peer's go.mod requires. */
export function referenceXmodVersion(): string {
  const m = /golang\.org\/x\/mod (v\S+)/.exec(readFileSync(path.join(SOURCE_DIR, 'go.mod'), 'utf8'));
  if (!m) throw new Error('test/sumdb/reference/go.mod does not require golang.org/x/mod');
  return m[1]!;
}

export async function ensureSumdbReference(): Promise<string> {
  const dir = path.join(cacheRoot(), `sumdb-reference-${referenceXmodVersion()}-${sourceHash(SOURCE_DIR, SOURCES)}`);
  await buildOnce(dir, ['sumdb-reference'], async (staging) => {
    requireGo('the checksum database reference peer');
    await runGo(['build', '-trimpath', '-o', path.join(staging, 'sumdb-reference'), '.'], SOURCE_DIR, { GOFLAGS: '-mod=readonly' }, 'sumdb-reference');
  });
  return path.join(dir, 'sumdb-reference');
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return ensureSumdbReference().then(
    (bin) =>
      new Promise((resolve) => {
        execFile(bin, args, { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
          resolve({ code, stdout, stderr });
        });
      }),
  );
}

/** A key pair made by x/mod's note.GenerateKey. */
export async function referenceKeygen(name: string): Promise<{ skey: string; vkey: string }> {
  const { code, stdout, stderr } = await run(['keygen', name]);
  const [skey, vkey] = stdout.trim().split('\n');
  if (code !== 0 || !skey || !vkey) throw new Error(`sumdb-reference keygen failed (${code}): ${stderr}`);
  return { skey, vkey };
}

export interface ReferenceSumdb {
  url: string;
  stop(): Promise<void>;
}

export interface ReferenceSumdbOptions {
  /** The signer key (PRIVATE+KEY+…) the server signs its trees with. */
  skey: string;
  /** go.sum lines; each module version's lines are one record, in order of first appearance. */
  records: string;
  /** How many records are in the log at start (default all); the others join when first looked up. */
  preload?: number;
  /** A loopback port to listen on (default: any free one). */
  port?: number;
}

/** Starts the reference checksum database on loopback; stop() ends it. */
export async function startReferenceSumdb(options: ReferenceSumdbOptions): Promise<ReferenceSumdb> {
  const bin = await ensureSumdbReference();
  const tmp = await tempDir('sumdb-reference');
  await writeFile(path.join(tmp.dir, 'skey'), options.skey + '\n', { mode: 0o600 });
  await writeFile(path.join(tmp.dir, 'records'), options.records);
  const args = ['serve', '-skey-file', path.join(tmp.dir, 'skey'), '-records', path.join(tmp.dir, 'records'), '-addr', `127.0.0.1:${options.port ?? 0}`];
  if (options.preload !== undefined) args.push('-preload', String(options.preload));
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  track(child);
  try {
    const url = await listeningUrl(child);
    return { url, stop: () => stop(child).finally(tmp.remove) };
  } catch (err) {
    await stop(child).finally(tmp.remove);
    throw err;
  }
}

function listeningUrl(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    const timer = setTimeout(() => reject(new Error(`sumdb-reference serve did not start in ${START_TIMEOUT_MS} ms: ${stderr}`)), START_TIMEOUT_MS);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const m = /^listening (http:\/\/\S+)$/.exec(line);
      if (m) resolve(m[1]!);
      else reject(new Error(`sumdb-reference serve said ${JSON.stringify(line)}: ${stderr}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sumdb-reference serve exited (${code}): ${stderr}`));
    });
  });
}

/** Closing stdin ends the server; a kill follows if it does not. */
async function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

export interface ReferenceLookupOptions {
  url: string;
  vkey: string;
  /** path@version, version ending in /go.mod for the go.mod line. */
  modules: string[];
  tileHeight?: number;
  /** A folder keeping the client's latest tree and verified tiles between runs (as GOPATH/pkg/sumdb does). */
  stateDir?: string;
}

/**
 * x/mod's sumdb.Client looking the modules up: `lines` on success; code 2 is a security error
 * (stderr then starts with x/mod's SECURITY ERROR report), 1 any other error.
 */
export async function referenceLookup(options: ReferenceLookupOptions): Promise<{ code: number; lines: string[]; stderr: string }> {
  const args = ['lookup', '-url', options.url, '-vkey', options.vkey, '-tile-height', String(options.tileHeight ?? 8)];
  if (options.stateDir) args.push('-state', options.stateDir);
  const { code, stdout, stderr } = await run([...args, ...options.modules]);
  return { code, lines: stdout.split('\n').filter(Boolean), stderr };
}
