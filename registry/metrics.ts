/**
 * Prometheus metrics (prom-client). Labels are bounded: `route` is the route
 * template or name, never an owner or module path.
 */
import client from 'prom-client';

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface MetricSources {
  poolStats?: () => PoolStats | undefined;
  /** Versions and zips the pull-through cache holds (read at scrape time). */
  cacheStats?: () => Promise<{ versions: number; zips: number; zipBytes: number }>;
  zipCache?: () => { bytes: number; hits: number; misses: number } | undefined;
}

export class RegistryMetrics {
  readonly registry = new client.Registry();
  readonly httpDuration: client.Histogram<'method' | 'route' | 'status'>;
  readonly uploads: client.Counter<'result'>;
  readonly uploadedBytes: client.Counter;
  readonly authFailures: client.Counter;
  readonly authentications: client.Counter<'credential' | 'result'>;
  readonly sweeps: client.Counter<'result'>;
  readonly swept: client.Counter<'kind'>;
  readonly sweptBytes: client.Counter<'kind'>;
  readonly changeListener: client.Gauge;
  readonly cacheRequests: client.Counter<'kind' | 'result'>;
  readonly cacheRefusals: client.Counter;
  readonly upstreamRequests: client.Counter<'outcome'>;
  readonly upstreamDuration: client.Histogram;
  readonly upstreamBytes: client.Counter;

  /**
   * GOPROXY answers by kind, their bytes and how many the lean path wrote (http/lean-goproxy.ts),
   * as plain numbers between scrapes, added to their counters when /metrics is read: a
   * counter's inc() with labels cost more per cached answer than the answer's other bookkeeping.
   */
  private readonly pendingDownloads = new Map<string, number>();
  private pendingServedBytes = 0;
  private pendingLean = 0;

  /** One GOPROXY answer of this kind and size (undefined: none sent, a HEAD or a 304). */
  countDownload(kind: string, bytes: number | undefined, lean: boolean): void {
    this.pendingDownloads.set(kind, (this.pendingDownloads.get(kind) ?? 0) + 1);
    if (bytes !== undefined) this.pendingServedBytes += bytes;
    if (lean) this.pendingLean++;
  }

  private cacheStats: MetricSources['cacheStats'];

  /** Where the cache size gauge reads from (the cache is built after the metrics). */
  setCacheStats(read: NonNullable<MetricSources['cacheStats']>): void {
    this.cacheStats = read;
  }

  constructor(sources: MetricSources = {}) {
    this.cacheStats = sources.cacheStats;
    const self = this;
    const registers = [this.registry];
    client.collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new client.Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.uploads = new client.Counter({ name: 'goregistry_uploads_total', help: 'Module uploads by result', labelNames: ['result'], registers });
    this.uploadedBytes = new client.Counter({ name: 'goregistry_uploaded_bytes_total', help: 'Bytes of published module zips', registers });
    new client.Counter({
      name: 'goregistry_http_lean_responses_total',
      help: 'Warm GOPROXY metadata answers written by the lean path in front of Koa (LEAN_GOPROXY), also counted in http_request_duration_seconds',
      registers,
      collect() {
        this.inc(self.pendingLean);
        self.pendingLean = 0;
      },
    });
    new client.Counter({
      name: 'goregistry_served_bytes_total',
      help: 'Bytes served by the GOPROXY endpoints',
      registers,
      collect() {
        this.inc(self.pendingServedBytes);
        self.pendingServedBytes = 0;
      },
    });
    new client.Counter({
      name: 'goregistry_downloads_total',
      help: 'GOPROXY requests answered, by kind',
      labelNames: ['kind'],
      registers,
      collect() {
        for (const [kind, n] of self.pendingDownloads) this.inc({ kind }, n);
        self.pendingDownloads.clear();
      },
    });
    this.authFailures = new client.Counter({ name: 'goregistry_auth_failures_total', help: 'Requests answered 401', registers });
    this.authentications = new client.Counter({
      name: 'goregistry_authentications_total',
      help: 'Presented credentials by kind (token, admin, kubernetes, oidc) and result (accepted, refused)',
      labelNames: ['credential', 'result'],
      registers,
    });
    this.sweeps = new client.Counter({ name: 'goregistry_sweeps_total', help: 'Sweeps of unreferenced blobs and stale temp files, by result', labelNames: ['result'], registers });
    this.swept = new client.Counter({ name: 'goregistry_swept_files_total', help: 'Files the sweeper removed: unreferenced blobs (blob) and stale uploads (temp)', labelNames: ['kind'], registers });
    this.sweptBytes = new client.Counter({ name: 'goregistry_swept_bytes_total', help: 'Bytes the sweeper freed, by kind', labelNames: ['kind'], registers });
    this.cacheRequests = new client.Counter({
      name: 'goregistry_cache_requests_total',
      help: 'Pull-through cache answers by kind (list, latest, info, mod, zip) and result: hit (from storage), miss (fetched upstream), stale (upstream failed or off)',
      labelNames: ['kind', 'result'],
      registers,
    });
    this.cacheRefusals = new client.Counter({
      name: 'goregistry_cache_refusals_total',
      help: 'Upstream files refused: checksum mismatch, not in the checksum database, or not a valid module zip',
      registers,
    });
    this.upstreamRequests = new client.Counter({
      name: 'goregistry_upstream_requests_total',
      help: 'Requests to the upstream proxies by outcome: ok, not_found, error, timeout',
      labelNames: ['outcome'],
      registers,
    });
    this.upstreamDuration = new client.Histogram({
      name: 'goregistry_upstream_request_duration_seconds',
      help: 'Time to an upstream answer (headers and body)',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.upstreamBytes = new client.Counter({ name: 'goregistry_upstream_bytes_total', help: 'Bytes received from the upstream proxies', registers });
    new client.Gauge({
      name: 'goregistry_cache_zip_bytes',
      help: 'Bytes of module zips the pull-through cache holds',
      registers,
      async collect() {
        const stats = await self.cacheStats?.().catch(() => undefined);
        if (stats) this.set(stats.zipBytes);
      },
    });
    this.changeListener = new client.Gauge({
      name: 'goregistry_change_listener_up',
      help: '1 while change notifications are received (the read cache is on), 0 while they are not (every read goes to the database)',
      registers,
    });
    new client.Gauge({
      name: 'goregistry_db_pool_connections',
      help: 'PostgreSQL pool connections by state (absent for the embedded database)',
      labelNames: ['state'],
      registers,
      collect() {
        const stats = sources.poolStats?.();
        if (!stats) return;
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'waiting' }, stats.waiting);
      },
    });
    // Read at scrape time from the cache's own counts: nothing extra per download.
    new client.Gauge({
      name: 'goregistry_zip_cache_bytes',
      help: 'Memory held by whole small zips kept for their next download (ZIP_CACHE_MB)',
      registers,
      collect() {
        const stats = sources.zipCache?.();
        if (stats) this.set(stats.bytes);
      },
    });
    new client.Counter({
      name: 'goregistry_zip_cache_reads_total',
      help: 'Reads of zips the cache may hold, by whether memory had them (hit) or the volume was read (miss)',
      labelNames: ['result'],
      registers,
      collect() {
        const stats = sources.zipCache?.();
        if (!stats) return;
        this.reset();
        this.inc({ result: 'hit' }, stats.hits);
        this.inc({ result: 'miss' }, stats.misses);
      },
    });
  }
}

const UPLOAD_RESULTS: Record<number, string> = {
  201: 'published', 400: 'invalid', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 413: 'too_large',
  503: 'unavailable', 507: 'no_space',
};
export const uploadResult = (status: number) => UPLOAD_RESULTS[status] ?? (status >= 500 ? 'error' : 'other');
