/**
 * The upstream port over HTTP: a GOPROXY list (goproxy-list.ts) walked as the go command
 * walks it, with deadlines the go command does not have — connecting, the answer's
 * headers, and any pause in its body — so a hung upstream can never hang a build.
 * Redirects are followed (up to 10, as go does); credentials, when configured, are sent
 * to the listed proxies only and dropped on a redirect to another origin.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { escapeCase } from '../domain/case-encoding.js';
import { DomainError, notFound, upstreamFailed, upstreamTimeout } from '../domain/domain-error.js';
import type { GoproxyEntry } from '../domain/goproxy-list.js';
import type { Upstream } from './upstream.js';

export interface HttpUpstreamOptions {
  connectTimeoutMs: number;
  /** Deadline for the answer's headers, and for any pause in its body. */
  timeoutMs: number;
  /** The Authorization header value for the listed proxies, when they need one. */
  authorization?: string;
  maxZipBytes: number;
  /** Told about every request: its outcome, seconds and bytes received. */
  observe?: (outcome: 'ok' | 'not_found' | 'error' | 'timeout', seconds: number, bytes: number) => void;
}

const MAX_METADATA_BYTES = 16 * 1024 * 1024;
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

type Body = Dispatcher.ResponseData['body'];

export class HttpUpstream implements Upstream {
  private readonly dispatcher: Dispatcher;

  constructor(
    private readonly entries: GoproxyEntry[],
    private readonly options: HttpUpstreamOptions,
  ) {
    this.dispatcher = new Agent({ connect: { timeout: options.connectTimeoutMs }, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs })
      .compose(interceptors.redirect({ maxRedirections: 10 }));
  }

  async list(modulePath: string) {
    return (await this.metadata(`${escapeCase(modulePath)}/@v/list`)).toString('utf8');
  }

  latest(modulePath: string) {
    return this.metadata(`${escapeCase(modulePath)}/@latest`);
  }

  info(modulePath: string, version: string) {
    return this.metadata(`${escapeCase(modulePath)}/@v/${escapeCase(version)}.info`);
  }

  mod(modulePath: string, version: string) {
    return this.metadata(`${escapeCase(modulePath)}/@v/${escapeCase(version)}.mod`);
  }

  zip(modulePath: string, version: string, dest: string) {
    return this.observed(() => this.download(modulePath, version, dest), (r) => r.size);
  }

  private async download(modulePath: string, version: string, dest: string) {
    const path = `${escapeCase(modulePath)}/@v/${escapeCase(version)}.zip`;
    const { body, url } = await this.fetch(path);
    const hash = createHash('sha256');
    let size = 0;
    const limit = this.options.maxZipBytes;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > limit) return done(upstreamFailed(`${url}: the zip is larger than ${limit} bytes`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, meter, createWriteStream(dest, { flags: 'wx', mode: 0o600 }));
    } catch (err) {
      await rm(dest, { force: true });
      throw classify(url, err);
    }
    return { size, sha256: hash.digest('hex') };
  }

  private metadata(path: string): Promise<Buffer> {
    return this.observed(() => this.read(path), (b) => b.length);
  }

  private async read(path: string): Promise<Buffer> {
    const { body, url } = await this.fetch(path);
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_METADATA_BYTES) throw upstreamFailed(`${url}: answer larger than ${MAX_METADATA_BYTES} bytes`);
        chunks.push(chunk);
      }
    } catch (err) {
      body.destroy();
      throw classify(url, err);
    }
    return Buffer.concat(chunks);
  }

  /** The first 200 along the list, as go walks it; NotFound when every proxy tried said 404/410. */
  private async fetch(path: string): Promise<{ body: Body; url: string }> {
    return this.walk(path);
  }

  /** Runs a whole request (headers and body), telling the observer how it went. */
  private async observed<T>(run: () => Promise<T>, size: (result: T) => number): Promise<T> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const result = await run();
      this.options.observe?.('ok', seconds(), size(result));
      return result;
    } catch (err) {
      const kind = err instanceof DomainError ? err.kind : 'UpstreamFailed';
      this.options.observe?.(kind === 'NotFound' ? 'not_found' : kind === 'UpstreamTimeout' ? 'timeout' : 'error', seconds(), 0);
      throw err;
    }
  }

  private async walk(path: string): Promise<{ body: Body; url: string }> {
    if (this.entries.length === 0) throw notFound('not found (no upstream: UPSTREAM_GOPROXY=off)');
    let last: unknown = notFound('not found');
    for (const entry of this.entries) {
      const url = `${entry.url}/${path}`;
      try {
        return { body: await this.get(url), url };
      } catch (err) {
        last = err;
        const missing = err instanceof DomainError && err.kind === 'NotFound';
        if (!missing && !entry.nextOnAnyError) throw err;
      }
    }
    throw last;
  }

  private async get(url: string): Promise<Body> {
    const headers: Record<string, string> = { 'user-agent': 'go-registry (pull-through cache)' };
    if (this.options.authorization) headers.authorization = this.options.authorization;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { dispatcher: this.dispatcher, headers });
    } catch (err) {
      throw classify(url, err);
    }
    if (res.statusCode === 200) return res.body;
    const text = (await res.body.text().catch(() => '')).slice(0, 200).trim();
    if (res.statusCode === 404 || res.statusCode === 410) throw notFound(`not found upstream: ${text || res.statusCode}`);
    throw upstreamFailed(`${url}: ${res.statusCode}${text ? ` ${text}` : ''}`);
  }
}

function classify(url: string, err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  const code = (err as { code?: string }).code ?? '';
  if (TIMEOUT_CODES.has(code)) return upstreamTimeout(`${url}: no answer in time (${code})`);
  return upstreamFailed(`${url}: ${(err as Error).message}`);
}
