/**
 * The upstream port: what the pull-through cache asks of the proxies behind it, one
 * method per GOPROXY endpoint. Adapters: `http-upstream.ts` (a GOPROXY list over HTTP);
 * tests use real servers. Failures are DomainErrors: NotFound (the upstreams answered
 * 404 or 410), UpstreamTimeout, UpstreamFailed.
 */
export interface Upstream {
  /** The `@v/list` body. */
  list(modulePath: string): Promise<string>;
  /** The `@latest` body (JSON). */
  latest(modulePath: string): Promise<Buffer>;
  /** The `.info` body (JSON); version may be a query the upstream resolves. */
  info(modulePath: string, version: string): Promise<Buffer>;
  mod(modulePath: string, version: string): Promise<Buffer>;
  /** Streams the `.zip` into dest (created), at most maxBytes; its size and SHA-256. */
  zip(modulePath: string, version: string, dest: string): Promise<{ size: number; sha256: string }>;
}
