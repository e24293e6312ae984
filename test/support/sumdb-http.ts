/**
 * HTTP for checksum database tests: a loopback server for a SumdbTestLog with sumdb.Server's
 * endpoints (/latest, /lookup/<module>@<version>, /tile/…), and the client side's fetches
 * (a lookup answer, a tile) that turn a non-200 answer into an error naming the status.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { unescapeModulePath, unescapeVersion } from '../../registry/domain/case-encoding.js';
import { parseTilePath } from '../../registry/domain/sumdb/tile.js';
import type { SumdbTestLog } from './sumdb-test-log.js';

/** A fetch that answered other than 200. */
export class HttpStatusError extends Error {
  constructor(readonly status: number, url: string, body: string) {
    super(`GET ${url}: ${status}: ${body.trim()}`);
  }
}

/** The body of GET base/path; HttpStatusError when it is not a 200. */
export async function fetchBytes(base: string, path: string): Promise<Buffer> {
  const url = `${base.replace(/\/$/, '')}/${path}`;
  const res = await fetch(url);
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new HttpStatusError(res.status, url, body.toString());
  return body;
}

async function answer(log: SumdbTestLog, urlPath: string): Promise<[number, Buffer | string]> {
  if (urlPath === '/latest') return [200, await log.signedTree()];
  if (urlPath.startsWith('/lookup/')) {
    const [escPath = '', escVersion = ''] = decodeURIComponent(urlPath.slice('/lookup/'.length)).split('@');
    const modulePath = unescapeModulePath(escPath);
    const version = unescapeVersion(escVersion);
    if (modulePath === undefined || version === undefined) return [400, 'invalid module@version syntax\n'];
    const body = await log.lookupAnswer(`${modulePath}@${version}`);
    return body ? [200, body] : [404, `${modulePath}@${version}: not found\n`];
  }
  if (urlPath.startsWith('/tile/')) {
    try {
      parseTilePath(urlPath.slice(1));
    } catch {
      return [400, 'invalid tile syntax\n'];
    }
    const data = await log.tile(urlPath.slice(1));
    return data ? [200, data] : [404, 'no such tile\n'];
  }
  return [404, 'not found\n'];
}

/** Serves the log on a free loopback port. */
export async function serveSumdbTestLog(log: SumdbTestLog): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    answer(log, new URL(req.url ?? '/', 'http://x').pathname).then(
      ([status, body]) => res.writeHead(status, { 'Content-Type': 'text/plain; charset=UTF-8' }).end(body),
      (err: Error) => res.writeHead(500).end(err.message),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
