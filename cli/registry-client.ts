/**
 * HTTP(S) to the registry with node:http — a zip body streamed from its file with a known
 * Content-Length and progress — and the mapping of answers to exit codes. The CA file go
 * uses (SSL_CERT_FILE) is trusted too, besides Node's roots and NODE_EXTRA_CA_CERTS.
 */
import { createReadStream, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { CliError, EXIT } from './cli-error.js';

export interface RegistryAnswer {
  status: number;
  body: string;
}

export interface RequestOptions {
  token?: string | undefined;
  json?: unknown;
  upload?: { file: string; size: number; onProgress?: (sent: number) => void };
  env: NodeJS.ProcessEnv;
}

/** How long the request after a failed upload waits for an answer that explains the failure. */
const PROBE_WAIT_MS = 3000;

const caCache = new Map<string, string[]>();
function trustedCas(env: NodeJS.ProcessEnv): string[] | undefined {
  const file = env.SSL_CERT_FILE;
  if (!file) return undefined;
  let cas = caCache.get(file);
  if (!cas) {
    cas = [...tls.rootCertificates, readFileSync(file, 'utf8')];
    caCache.set(file, cas);
  }
  return cas;
}

export async function registryRequest(method: string, url: string, options: RequestOptions): Promise<RegistryAnswer> {
  try {
    return await send(method, url, options, 'whole');
  } catch (err) {
    // A registry refusing an upload (401, 404, 413…) answers and closes before reading the body; the rest of
    // the body then meets a reset connection, which may swallow that answer. The same request with no body
    // sent is answered at once in that case — and waits, so is given up after a moment, when it would not be.
    if (!options.upload || !(err instanceof CliError) || !/EPIPE|ECONNRESET/.test(err.message)) throw err;
    const probe = await send(method, url, options, 'headers').catch(() => undefined);
    if (probe) return probe;
    throw err;
  }
}

function send(method: string, url: string, options: RequestOptions, body: 'whole' | 'headers'): Promise<RegistryAnswer> {
  const target = new URL(url);
  const headers: Record<string, string | number> = { 'User-Agent': 'go-registry-cli', Accept: 'application/json, text/plain' };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let payload: Buffer | undefined;
  if (options.json !== undefined) {
    payload = Buffer.from(JSON.stringify(options.json));
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = payload.length;
  }
  if (options.upload) {
    headers['Content-Type'] = 'application/zip';
    headers['Content-Length'] = options.upload.size;
  }
  const lib = target.protocol === 'https:' ? https : http;
  const ca = target.protocol === 'https:' ? trustedCas(options.env) : undefined;
  return new Promise((resolve, reject) => {
    const req = lib.request(target, { method, headers, ...(ca ? { ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (err) => reject(new CliError(EXIT.unavailable, `${method} ${target.origin}${target.pathname}: ${err.message}`)));
    if (body === 'headers') {
      req.flushHeaders();
      setTimeout(() => req.destroy(new Error('no answer')), PROBE_WAIT_MS).unref();
    } else if (options.upload) {
      const { file, onProgress } = options.upload;
      let sent = 0;
      const stream = createReadStream(file);
      stream.on('data', (c) => {
        sent += c.length;
        onProgress?.(sent);
      });
      stream.on('error', (err) => req.destroy(err));
      stream.pipe(req);
    } else {
      req.end(payload);
    }
  });
}

/** Throws the CliError an unsuccessful answer stands for; the server's text names the problem. */
export function requireSuccess(answer: RegistryAnswer, what: string): RegistryAnswer {
  if (answer.status >= 200 && answer.status < 300) return answer;
  const message = `${what}: ${answer.status} ${answer.body.trim()}`;
  if (answer.status === 401 || answer.status === 403) throw new CliError(EXIT.auth, message);
  if (answer.status === 400 || answer.status === 422) throw new CliError(EXIT.invalid, message);
  if (answer.status >= 400 && answer.status < 500) throw new CliError(EXIT.refused, message);
  throw new CliError(EXIT.unavailable, message);
}

/** The registry's base URL from --registry or GOREGISTRY_URL: an owner endpoint gives its base and owner. */
export function registryBase(option: string | undefined, env: NodeJS.ProcessEnv): { base: string; owner: string | undefined } {
  const raw = option ?? env.GOREGISTRY_URL?.split(/[\s,]+/).find(Boolean);
  if (!raw) throw new CliError(EXIT.usage, 'which registry? use --registry https://go.example.com (or set GOREGISTRY_URL)');
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new CliError(EXIT.usage, `--registry ${JSON.stringify(raw)} is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new CliError(EXIT.usage, `--registry ${raw}: use an http(s) URL`);
  const endpoint = /^(.*?)\/api\/packages\/([^/]+)\/go\/?$/.exec(parsed.pathname);
  const path = (endpoint ? endpoint[1]! : parsed.pathname).replace(/\/+$/, '');
  return { base: `${parsed.origin}${path}`, owner: endpoint ? decodeURIComponent(endpoint[2]!) : undefined };
}
