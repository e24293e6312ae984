/** Builds the Koa application from already-constructed services; no I/O here. */
import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from '../logger.js';
import type { DeleteService } from '../service/delete-service.js';
import type { ModuleReadService } from '../service/module-read-service.js';
import type { PublishService } from '../service/publish-service.js';
import type { AuthService } from '../service/auth-service.js';
import type { OwnerService } from '../service/owner-service.js';
import type { GoproxyService } from '../service/goproxy-service.js';
import type { PullThroughCache } from '../service/pull-through-cache.js';
import type { SumdbProxy } from '../service/sumdb-proxy.js';
import { resolvePrincipal } from './credentials.js';
import { registerAdminRoutes } from './routes/admin-routes.js';
import { registerGrantRoutes } from './routes/grant-routes.js';
import type { GrantService } from '../service/grant-service.js';
import { registerCacheAdminRoutes } from './routes/cache-admin-routes.js';
import { registerSumdbRoutes } from './routes/sumdb-routes.js';
import type { ChecksumLog } from '../service/checksum-log.js';
import type { SumdbServer } from '../service/sumdb-server.js';
import type { CacheAdminService } from '../service/cache-admin-service.js';
import { errorMapper } from './error-mapper.js';
import type { RegistryMetrics } from '../metrics.js';
import { recordMetrics, serveMetrics, type MetricsExposition } from './metrics-middleware.js';
import { AccessLog } from './access-log.js';
import { requestContext } from './request-context.js';
import { registerDeleteRoutes } from './routes/delete-routes.js';
import { registerGoproxyRoutes } from './routes/goproxy-routes.js';
import { registerHealthRoutes, type ReadinessChecks } from './routes/health-routes.js';
import { registerUploadRoutes } from './routes/upload-routes.js';
import { registerUiRoutes } from './ui/ui-routes.js';
import type { UiCatalogService } from '../service/ui-catalog-service.js';
import type { UiModuleService } from '../service/ui-module-service.js';
import type { UiSessionService } from '../service/ui-session-service.js';
import { registerWhoamiRoutes } from './routes/whoami-routes.js';

export interface AppDeps {
  logger: Logger;
  auth: AuthService;
  owners: OwnerService;
  grants: GrantService;
  publisher: PublishService;
  reader: ModuleReadService;
  goproxy: GoproxyService;
  cache: PullThroughCache;
  sumdb: SumdbProxy;
  cacheAdmin: CacheAdminService;
  checksumLog: ChecksumLog;
  sumdbServer: SumdbServer;
  deleter: DeleteService;
  /** The web UI's services (registry/http/ui, registry/web). */
  ui: { catalog: UiCatalogService; modules: UiModuleService; sessions: UiSessionService };
  readiness: ReadinessChecks;
  metrics: RegistryMetrics;
  /** What /metrics serves on the main port; undefined when METRICS_PORT serves it separately. */
  exposition: MetricsExposition | undefined;
}

/**
 * The router answers a method no route has with 405, and a method it does not know
 * (TRACE) with 501, keeping the body of the 404 below. Both become a 405 that names the
 * method: client input is never answered with a 5xx.
 */
async function methodNotAllowed(ctx: Koa.Context, next: Koa.Next): Promise<void> {
  await next();
  if (ctx.status !== 405 && ctx.status !== 501) return;
  const allow = ctx.response.get('Allow');
  ctx.type = 'text/plain; charset=utf-8';
  ctx.body = `method ${ctx.method} not allowed${allow ? `: this path allows ${allow}` : ''}\n`;
  ctx.status = 405;
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = true;
  // Errors are answered by errorMapper; Koa's default handler would print them to stderr.
  app.silent = true;
  const router = new Router();
  registerHealthRoutes(router, deps.readiness);
  registerAdminRoutes(router, deps.auth, deps.owners);
  registerGrantRoutes(router, deps.auth, deps.grants);
  registerCacheAdminRoutes(router, deps.auth, deps.cacheAdmin);
  registerSumdbRoutes(router, deps.auth, deps.sumdbServer, deps.checksumLog);
  registerUploadRoutes(router, deps.auth, deps.publisher);
  registerWhoamiRoutes(router, deps.auth);
  registerDeleteRoutes(router, deps.auth, deps.deleter);
  registerGoproxyRoutes(router, deps.goproxy, { reader: deps.reader, cache: deps.cache, sumdb: deps.sumdb, sumdbServer: deps.sumdbServer });
  registerUiRoutes(router, { ...deps.ui, reader: deps.reader, sumdb: deps.sumdbServer });
  if (deps.exposition) router.get('metrics', '/metrics', serveMetrics(deps.exposition));
  app.use(requestContext(deps.logger, new AccessLog(deps.logger)));
  app.use(recordMetrics(deps.metrics));
  app.use(errorMapper);
  app.use(resolvePrincipal(deps.auth));
  app.use(router.routes());
  app.use(methodNotAllowed);
  app.use(router.allowedMethods());
  app.use((ctx) => {
    ctx.status = 404;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = 'not found\n';
  });
  return app;
}
