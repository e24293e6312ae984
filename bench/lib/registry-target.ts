/**
 * The registry under test: started with the package's own start command
 * (test/support/registry-process.ts), filled through the real upload route.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { createOwner } from '../../test/support/admin-api.js';
import { startRegistryProcess, type RegistryProcess } from '../../test/support/registry-process.js';
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
}

export function startRegistry(o: RegistryOptions): Promise<RegistryProcess> {
  const env: Record<string, string> = { DATA_DIR: o.dataDir, REGISTRY_ADMIN_TOKEN: ADMIN_TOKEN };
  if (o.databaseUrl) env.DATABASE_URL = o.databaseUrl;
  if (o.workers !== undefined) env.WORKERS = String(o.workers);
  if (o.tls) Object.assign(env, { TLS_CERT_FILE: o.tls.certFile, TLS_KEY_FILE: o.tls.keyFile });
  return startRegistryProcess(env, 120_000, { logFile: o.logFile, nodeArgs: o.nodeArgs });
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
