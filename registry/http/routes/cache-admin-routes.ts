/**
 * The admin API's hold on the pull-through cache (Bearer admin token):
 * `POST /api/admin/cache/prefetch` with a go.sum or go.mod as the body warms the cache
 * with every module version it names; `DELETE /api/admin/cache/modules/{module path}`
 * (`?version=` for one version) evicts.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { invalid } from '../../domain/domain-error.js';
import type { AuthService } from '../../service/auth-service.js';
import type { CacheAdminService } from '../../service/cache-admin-service.js';
import { principalOf } from '../credentials.js';
import { readText } from '../json-body.js';

/** A go.sum of a few thousand modules is a few hundred KiB. */
const MAX_PREFETCH_BODY_BYTES = 4 * 1024 * 1024;
const EVICT_PATH = /^\/api\/admin\/cache\/modules\/(.+)$/;

export function registerCacheAdminRoutes(router: Router, auth: AuthService, cacheAdmin: CacheAdminService): void {
  const admin = async (ctx: Context, next: () => Promise<unknown>) => {
    auth.requireAdmin(principalOf(ctx));
    await next();
  };
  router.post('/api/admin/cache/prefetch', admin, async (ctx: Context) => {
    const modules = await cacheAdmin.prefetch(await readText(ctx, MAX_PREFETCH_BODY_BYTES));
    const counts: Record<string, number> = { fetched: 0, cached: 0, hosted: 0, mismatch: 0, failed: 0, invalid: 0 };
    for (const m of modules) counts[m.result]! += 1;
    ctx.body = { ...counts, modules };
  });
  router.delete('cache-evict', EVICT_PATH, admin, async (ctx: Context) => {
    const [, raw] = EVICT_PATH.exec(ctx.path) ?? [];
    let modulePath: string;
    try {
      modulePath = decodeURIComponent(raw!);
    } catch {
      throw invalid('invalid module path: bad percent-encoding');
    }
    const version = ctx.query.version;
    if (Array.isArray(version)) throw invalid('version: give it once');
    ctx.body = { evicted: await cacheAdmin.evict(modulePath, version) };
  });
}
