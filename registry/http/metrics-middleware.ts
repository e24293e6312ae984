/** Records each request in the Prometheus metrics after it is answered, and serves /metrics. */
import type { Context, Next } from 'koa';
import { uploadResult, type RegistryMetrics } from '../metrics.js';
import { stateOf } from './request-context.js';

/** The matched route's name or template; never the raw path, so label cardinality stays bounded. */
function routeLabel(ctx: Context): string {
  const c = ctx as Context & { _matchedRouteName?: string; _matchedRoute?: string | RegExp };
  if (c._matchedRouteName) return c._matchedRouteName;
  return typeof c._matchedRoute === 'string' ? c._matchedRoute : 'unmatched';
}

export function recordMetrics(metrics: RegistryMetrics) {
  return async (ctx: Context, next: Next) => {
    const stop = metrics.httpDuration.startTimer();
    try {
      await next();
    } finally {
      const route = routeLabel(ctx);
      stop({ method: ctx.method, route, status: String(ctx.status) });
      if (ctx.status === 401) metrics.authFailures.inc();
      const { credential, principal } = stateOf(ctx);
      if (credential) metrics.authentications.inc({ credential, result: principal ? 'accepted' : 'refused' });
      if (route === 'upload') {
        metrics.uploads.inc({ result: uploadResult(ctx.status) });
        if (ctx.status === 201) metrics.uploadedBytes.inc(stateOf(ctx).uploadedBytes ?? 0);
      }
      const kind = stateOf(ctx).goproxyKind;
      if (kind && (ctx.status === 200 || ctx.status === 206 || ctx.status === 304)) {
        metrics.downloads.inc({ kind });
        if (ctx.method === 'GET' && ctx.status !== 304) metrics.servedBytes.inc(ctx.length ?? 0);
      }
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
