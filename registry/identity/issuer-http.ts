/**
 * HTTPS to one issuer: its CA (a file, e.g. the ServiceAccount mount's ca.crt) trusted in
 * addition to the system's, a deadline on every answer, and the bearer token file read
 * again for each request (projected tokens are rotated by the kubelet) and sent only to
 * the issuer's own origin, never to a JWKS host the discovery document names elsewhere.
 */
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';

export interface IssuerHttpOptions {
  caFile: string | undefined;
  tokenFile: string | undefined;
  /** The origin that may receive the bearer token. */
  origin: string;
  timeoutMs: number;
}

export class IssuerHttp {
  private agent: Promise<Agent> | undefined;

  constructor(private readonly options: IssuerHttpOptions) {}

  async fetch(url: string, init: { method?: string; body?: string; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    if (this.options.tokenFile && new URL(url).origin === this.options.origin) {
      headers.authorization = `Bearer ${(await readFile(this.options.tokenFile, 'utf8')).trim()}`;
    }
    const signal = init.signal ?? AbortSignal.timeout(this.options.timeoutMs);
    const res = await undiciFetch(url, { method: init.method ?? 'GET', body: init.body, headers, signal, redirect: 'manual', dispatcher: await this.dispatcher() });
    return res as unknown as Response;
  }

  /** GET a JSON document; anything but a 200 with JSON is an error naming the URL. */
  async json(url: string, init: Parameters<IssuerHttp['fetch']>[1] = {}): Promise<unknown> {
    const res = await this.fetch(url, init);
    if (res.status !== 200 && res.status !== 201) {
      await res.body?.cancel();
      throw new Error(`${init.method ?? 'GET'} ${url}: HTTP ${res.status}`);
    }
    return res.json();
  }

  async close(): Promise<void> {
    const agent = await this.agent?.catch(() => undefined);
    await agent?.close();
  }

  private dispatcher(): Promise<Agent> {
    this.agent ??= (async () => {
      const ca = this.options.caFile ? [...rootCertificates, await readFile(this.options.caFile, 'utf8')] : undefined;
      return new Agent({ connect: { ca, timeout: this.options.timeoutMs }, headersTimeout: this.options.timeoutMs, bodyTimeout: this.options.timeoutMs });
    })();
    this.agent.catch(() => (this.agent = undefined));
    return this.agent;
  }
}
