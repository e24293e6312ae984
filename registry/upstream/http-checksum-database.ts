/**
 * The upstream checksum database over HTTP, verified as the go command verifies it
 * (domain/sumdb/lookup.ts): every lookup's signed tree against the database's key, the
 * record's inclusion in that tree, and that tree's consistency with the newest one seen
 * before, which is kept in storage (so a restart or another replica cannot be shown an
 * older, forked log unnoticed). The database is reached as go reaches it: at its URL when
 * GOSUMDB gives one, else through the first upstream proxy that supports it, else at
 * https://<name>. Authenticated tiles (a tile path's contents never change, partial
 * ones included) and verified lookups are kept, so that go in an air-gapped cluster can
 * still verify what the cache holds when the database is out of reach.
 */
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { DomainError, notFound, upstreamFailed, upstreamTimeout } from '../domain/domain-error.js';
import type { GoproxyEntry } from '../domain/goproxy-list.js';
import type { ChecksumDatabaseSpec } from '../domain/sumdb/gosumdb.js';
import { lookupPath, SumdbSecurityError, verifyLookup, verifyTree, type SignedTree } from '../domain/sumdb/lookup.js';
import { newVerifier, verifierList, type Verifiers } from '../domain/sumdb/note.js';
import { parseGoSumLine } from '../domain/sumdb/record.js';
import type { CacheRepository } from '../repository/cache-repository.js';
import type { ChecksumDatabase, GoSumLines } from './checksum-database.js';

/** Where the newest verified tree note is kept (not a path the database serves). */
const LATEST_KEY = '#verified-latest';
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export interface HttpChecksumDatabaseOptions {
  connectTimeoutMs: number;
  timeoutMs: number;
  /** Sent to the upstream proxies when the database is reached through one of them. */
  proxyAuthorization?: string;
}

export class HttpChecksumDatabase implements ChecksumDatabase {
  readonly name: string;
  private readonly verifiers: Verifiers;
  private readonly dispatcher: Dispatcher;
  private base: Promise<{ url: string; viaProxy: boolean }> | undefined;

  constructor(
    private readonly spec: ChecksumDatabaseSpec,
    private readonly proxies: GoproxyEntry[],
    private readonly repo: CacheRepository,
    private readonly options: HttpChecksumDatabaseOptions,
  ) {
    this.name = spec.name;
    this.verifiers = verifierList(newVerifier(spec.vkey));
    this.dispatcher = new Agent({ connect: { timeout: options.connectTimeoutMs }, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs })
      .compose(interceptors.redirect({ maxRedirections: 10 }));
  }

  async lookup(modulePath: string, version: string): Promise<GoSumLines> {
    const body = await this.fetch(lookupPath(modulePath, version));
    const tiles = { readTile: (p: string) => this.fetch(p), saveTile: (p: string, d: Uint8Array) => void this.keep(p, d) };
    try {
      const zip = await verifyLookup(modulePath, version, body, { verifiers: this.verifiers, latest: await this.latest(), ...tiles });
      const mod = await verifyLookup(modulePath, `${version}/go.mod`, body, { verifiers: this.verifiers, latest: zip.latest, ...tiles });
      await this.remember(mod.latest);
      await this.repo.saveSumdb(lookupPath(modulePath, version), body).catch(() => {});
      return { zip: zip.lines.map(parseGoSumLine)[0]?.hash, mod: mod.lines.map(parseGoSumLine)[0]?.hash };
    } catch (err) {
      if (err instanceof SumdbSecurityError) {
        throw upstreamFailed(`SECURITY ERROR: the checksum database ${this.name} failed verification (${err.reason}): ${err.message}${err.report ? `\n${err.report}` : ''}`);
      }
      throw err;
    }
  }

  /** A raw answer: tiles from storage when kept; a lookup from the database, or as kept when it cannot be reached. */
  async fetch(path: string): Promise<Buffer> {
    const kept = path.startsWith('tile/') || path.startsWith('lookup/') ? await this.repo.findSumdb(path) : undefined;
    if (kept && path.startsWith('tile/')) return kept.body;
    try {
      const { url, viaProxy } = await this.where();
      return await this.get(`${url}/${path}`, viaProxy);
    } catch (err) {
      const unreachable = err instanceof DomainError && (err.kind === 'UpstreamFailed' || err.kind === 'UpstreamTimeout');
      if (kept && unreachable) return kept.body;
      throw err;
    }
  }

  private async keep(path: string, data: Uint8Array): Promise<void> {
    await this.repo.saveSumdb(path, Buffer.from(data)).catch(() => {});
  }

  private async latest(): Promise<SignedTree | undefined> {
    const kept = await this.repo.findSumdb(LATEST_KEY);
    if (!kept) return undefined;
    return verifyTree(kept.body, { verifiers: this.verifiers, readTile: (p) => this.fetch(p) });
  }

  /** Keeps the newer tree (a replica may have kept a newer one meanwhile: both are verified prefixes). */
  private async remember(tree: SignedTree): Promise<void> {
    const kept = await this.latest();
    if (!kept || tree.tree.n > kept.tree.n) await this.repo.saveSumdb(LATEST_KEY, Buffer.from(tree.note));
  }

  private where(): Promise<{ url: string; viaProxy: boolean }> {
    this.base ??= this.find().catch((err: unknown) => {
      this.base = undefined; // try again next time
      throw err;
    });
    return this.base;
  }

  /** As go finds it: the given URL, else the first proxy that says it supports the database, else https://<name>. */
  private async find(): Promise<{ url: string; viaProxy: boolean }> {
    if (this.spec.url) return { url: this.spec.url, viaProxy: false };
    const proxy = this.proxies[0];
    if (proxy) {
      const url = `${proxy.url}/sumdb/${this.name}`;
      const supported = await this.get(`${url}/supported`, true).then(() => true, (err: unknown) => {
        if (err instanceof DomainError && err.kind === 'NotFound') return false;
        throw err;
      });
      if (supported) return { url, viaProxy: true };
    }
    return { url: `https://${this.name}`, viaProxy: false };
  }

  private async get(url: string, viaProxy: boolean): Promise<Buffer> {
    const headers: Record<string, string> = { 'user-agent': 'go-registry (checksum database client)' };
    if (viaProxy && this.options.proxyAuthorization) headers.authorization = this.options.proxyAuthorization;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { dispatcher: this.dispatcher, headers });
      if (res.statusCode === 404 || res.statusCode === 410) {
        await res.body.dump();
        throw notFound(`${url}: not found`);
      }
      if (res.statusCode !== 200) throw upstreamFailed(`${url}: ${res.statusCode} ${(await res.body.text()).slice(0, 200).trim()}`);
      return await readLimited(url, res.body);
    } catch (err) {
      if (err instanceof DomainError) throw err;
      const code = (err as { code?: string }).code ?? '';
      throw TIMEOUT_CODES.has(code) ? upstreamTimeout(`${url}: no answer in time (${code})`) : upstreamFailed(`${url}: ${(err as Error).message}`);
    }
  }
}

async function readLimited(url: string, body: Dispatcher.ResponseData['body']): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) {
      body.destroy();
      throw upstreamFailed(`${url}: answer larger than ${MAX_ANSWER_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
