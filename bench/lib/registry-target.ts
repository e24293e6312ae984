/**
 * The registry under test: the package's start command (`node dist/registry/main.js`),
 * filled through the real upload route. Its stdout and stderr go straight to a log file,
 * as nginx's access log does: a reader process on the same two cores would be measured
 * too, and a socket between them is not what a container runtime gives it (a pipe).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, createReadStream, fstatSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { request } from 'undici';
import { createOwner } from '../../test/support/admin-api.js';
import { track } from '../../test/support/child-processes.js';
import { eventually } from '../../test/support/eventually.js';
import { REPO_ROOT } from '../../test/support/paths.js';
import { allVersions, type Corpus } from './corpus.js';

export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';

export interface RegistryOptions {
  dataDir: string;
  databaseUrl?: string;
  tls?: { certFile: string; keyFile: string };
  logFile: string;
  /** Options for node, e.g. --cpu-prof for profiles. */
  nodeArgs?: string[];
  /** WORKERS: processes serving the port (PostgreSQL only). */
  workers?: number | 'auto';
  /** More environment (STORAGE_DIR, ZIP_CACHE_MB, UPSTREAM_*…). */
  env?: Record<string, string>;
}

export interface BenchRegistry {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startRegistry(o: RegistryOptions): Promise<BenchRegistry> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', DATA_DIR: o.dataDir, REGISTRY_ADMIN_TOKEN: ADMIN_TOKEN };
  Object.assign(env, o.env);
  if (o.databaseUrl) env.DATABASE_URL = o.databaseUrl;
  if (o.workers !== undefined) env.WORKERS = String(o.workers);
  if (o.tls) Object.assign(env, { TLS_CERT_FILE: o.tls.certFile, TLS_KEY_FILE: o.tls.keyFile });
  const log = openSync(o.logFile, 'a');
  const from = fstatSync(log).size; // earlier runs' lines stay above
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), path.join('dist', 'registry', 'main.js')], { cwd: REPO_ROOT, env, stdio: ['ignore', log, log] });
  closeSync(log);
  track(child);
  const exited = once(child, 'exit');
  const ready = await eventually(
    'the registry listening',
    async () => {
      if (child.exitCode !== null) throw new Error(`the registry exited with ${child.exitCode}`);
      const lines = (await readFile(o.logFile)).subarray(from).toString('utf8').split('\n');
      const line = lines.find((l) => l.includes('"msg":"listening"'));
      return line ? (JSON.parse(line) as { url: string }) : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 100, context: () => `log: ${o.logFile}` },
  );
  return {
    url: ready.url,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Creates the public owner `bench` and uploads every corpus zip, a few at a time. */
export async function uploadCorpus(url: string, corpus: Corpus, concurrency = 4): Promise<{ seconds: number; uploads: number }> {
  await createOwner(url, ADMIN_TOKEN, 'bench', 'public');
  const queue = allVersions(corpus);
  const started = process.hrtime.bigint();
  const auth = `Basic ${Buffer.from(`bench:${ADMIN_TOKEN}`).toString('base64')}`;
  const worker = async () => {
    for (let v = queue.shift(); v; v = queue.shift()) {
      const res = await request(`${url}/api/packages/bench/go/upload`, {
        method: 'PUT',
        headers: { authorization: auth, 'content-length': String(v.zipBytes), 'content-type': 'application/zip' },
        body: createReadStream(v.zipFile),
      });
      const text = await res.body.text();
      if (res.statusCode !== 201) throw new Error(`upload of ${path.basename(v.zipFile)}: ${res.statusCode} ${text}`);
    }
  };
  const uploads = allVersions(corpus).length;
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, uploads };
}
