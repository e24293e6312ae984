/** Records each request in the Prometheus metrics after it is answered, and serves /metrics. */
import type { Context, Next } from 'koa';
import type { CredentialKind } from '../domain/identity.js';
import { uploadResult, type RegistryMetrics } from '../metrics.js';
import { stateOf } from './request-context.js';

/** The matched route's name or template; never the raw path, so label cardinality stays bounded. */
function routeLabel(ctx: Context): string {
  const c = ctx as Context & { _matchedRouteName?: string; _matchedRoute?: string | RegExp };
  if (c._matchedRouteName) return c._matchedRouteName;
  return typeof c._matchedRoute === 'string' ? c._matchedRoute : 'unmatched';
}

/** What the metrics count of one answered request, whichever path answered it (Koa's chain or lean-goproxy.ts). */
export interface AnsweredRequest {
  readonly method: string;
  /** The route's name or template, or 'unmatched'. */
  readonly route: string;
  readonly status: number;
  readonly seconds: number;
  /** The kind of credential presented, and whether it was accepted. */
  readonly credential: CredentialKind | undefined;
  readonly accepted: boolean;
  /** list, latest, info, mod or zip for a GOPROXY request. */
  readonly goproxyKind: string | undefined;
  readonly uploadedBytes: number | undefined;
  /** The body's length, when known. */
  readonly length: number | undefined;
  /** Written by the lean path (lean-goproxy.ts). */
  readonly lean: boolean;
}

export function countAnswered(metrics: RegistryMetrics, r: AnsweredRequest): void {
  metrics.httpDuration.observe({ method: r.method, route: r.route, status: String(r.status) }, r.seconds);
  if (r.status === 401) metrics.authFailures.inc();
  if (r.credential) metrics.authentications.inc({ credential: r.credential, result: r.accepted ? 'accepted' : 'refused' });
  if (r.route === 'upload') {
    metrics.uploads.inc({ result: uploadResult(r.status) });
    if (r.status === 201) metrics.uploadedBytes.inc(r.uploadedBytes ?? 0);
  }
  if (r.goproxyKind && (r.status === 200 || r.status === 206 || r.status === 304)) {
    metrics.countDownload(r.goproxyKind, r.method === 'GET' && r.status !== 304 ? (r.length ?? 0) : undefined, r.lean);
  }
}

export function recordMetrics(metrics: RegistryMetrics) {
  return async (ctx: Context, next: Next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const { credential, principal, goproxyKind, uploadedBytes } = stateOf(ctx);
      countAnswered(metrics, {
        method: ctx.method,
        route: routeLabel(ctx),
        status: ctx.status,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        credential,
        accepted: principal !== undefined,
        goproxyKind,
        uploadedBytes,
        // Read only when counted: an object body's length is its serialization.
        length: goproxyKind ? ctx.length : undefined,
        lean: false,
      });
    }
  };
}

/** Where /metrics text comes from: this process's registry, or all workers' aggregated by the primary. */
export interface MetricsExposition {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export function serveMetrics(exposition: MetricsExposition) {
  return async (ctx: Context) => {
    ctx.type = exposition.contentType;
    ctx.body = await exposition.metrics();
  };
}
