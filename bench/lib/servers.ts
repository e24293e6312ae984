/**
 * The baselines as child processes on loopback, each stopped by its own handle:
 * nginx serving the static GOPROXY tree (plain and TLS), the trivial Koa ceiling,
 * and Athens on disk storage filled with the same corpus.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { track } from '../../test/support/child-processes.js';
import { freePort } from '../../test/support/free-port.js';
import { REPO_ROOT } from '../../test/support/paths.js';
import type { Corpus } from './corpus.js';

export const PREFIX = '/api/packages/bench/go';

export interface Server {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export function handle(child: ChildProcess, url: string): Server {
  track(child);
  return {
    url,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function waitForHttp(url: string, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const ok = await fetch(url).then((r) => r.status < 500, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not answer ${url}`);
}

/**
 * nginx with one worker (the calibration's setup), sendfile, keep-alive, an access log
 * as the registry keeps one; the tree is served under the registry's URL prefix.
 */
export async function startNginx(
  nginx: string,
  corpus: Corpus,
  dir: string,
  tls: { certFile: string; keyFile: string },
): Promise<{ http: Server; httpsUrl: string }> {
  await mkdir(path.join(dir, 'tmp'), { recursive: true });
  const [port, tlsPort] = [await freePort(), await freePort()];
  const location = `location ${PREFIX}/ { alias ${corpus.tree}/; }`;
  const conf = `
${process.getuid?.() === 0 ? 'user root;' : ''}
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/tmp/body; proxy_temp_path ${dir}/tmp/proxy; fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi; scgi_temp_path ${dir}/tmp/scgi;
  sendfile on; tcp_nopush on; keepalive_requests 1000000; keepalive_timeout 75s;
  types { application/json info; text/plain mod; application/zip zip; }
  default_type text/plain;
  server { listen 127.0.0.1:${port}; ${location} }
  server { listen 127.0.0.1:${tlsPort} ssl; ssl_certificate ${tls.certFile}; ssl_certificate_key ${tls.keyFile}; ${location} }
}
`;
  const confFile = path.join(dir, 'nginx.conf');
  await writeFile(confFile, conf);
  const child = spawn(nginx, ['-c', confFile, '-p', dir], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}${PREFIX}/${corpus.zip1m.path}/@v/list`, child, 'nginx');
  return { http: handle(child, url), httpsUrl: `https://127.0.0.1:${tlsPort}` };
}

export const startTrivialKoa = (): Promise<Server> => startListening('trivial Koa', 'trivial-koa.js');

/** Node's HTTP server alone (bench/trivial-node.ts): the floor under Koa. */
export const startTrivialNode = (): Promise<Server> => startListening('trivial node:http', 'trivial-node.js');

async function startListening(name: string, file: string): Promise<Server> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'bench', file)], {
    env: { PATH: process.env.PATH ?? '', PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const m = /^listening (\d+)$/.exec(l);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  return handle(child, `http://127.0.0.1:${port}`);
}

/**
 * Athens, offline, on disk storage laid out as its documentation describes for
 * pre-filling: <root>/<module>/<version>/{go.mod, source.zip, <version>.info}.
 * Athens serves at the root, so its URL carries no owner prefix.
 */
export async function startAthens(binary: string, corpus: Corpus, dir: string): Promise<Server> {
  const storage = path.join(dir, 'storage');
  for (const m of [...corpus.graph, corpus.zip1m, corpus.zipBig]) {
    for (const v of m.versions) {
      const vdir = path.join(storage, m.path, v.version);
      await mkdir(vdir, { recursive: true });
      await writeFile(path.join(vdir, 'go.mod'), v.goMod);
      await writeFile(path.join(vdir, `${v.version}.info`), JSON.stringify({ Version: v.version, Time: '2026-01-01T00:00:00Z' }));
      await cp(v.zipFile, path.join(vdir, 'source.zip'));
    }
  }
  const port = await freePort();
  const child = spawn(binary, [], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ATHENS_PORT: `127.0.0.1:${port}`,
      ATHENS_STORAGE_TYPE: 'disk',
      ATHENS_DISK_STORAGE_ROOT: storage,
      ATHENS_NETWORK_MODE: 'offline',
      ATHENS_DOWNLOAD_MODE: 'none',
      ATHENS_LOG_LEVEL: 'error',
      ATHENS_GO_BINARY_ENV_VARS: 'GOPROXY=off',
    },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, child, 'Athens');
  return handle(child, url);
}
