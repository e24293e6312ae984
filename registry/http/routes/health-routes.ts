/** /healthz: the process answers. /readyz: the database answers and blobs can be written. */
import type Router from '@koa/router';
import type { Context } from 'koa';

export interface ReadinessChecks {
  database(): Promise<void>;
  blobStore(): Promise<void>;
}

export function registerHealthRoutes(router: Router, checks: ReadinessChecks): void {
  router.get('/healthz', (ctx: Context) => {
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = 'ok\n';
  });
  router.get('/readyz', async (ctx: Context) => {
    const failures: string[] = [];
    await checks.database().catch((err: Error) => failures.push(`database: ${err.message}`));
    await checks.blobStore().catch((err: Error) => failures.push(`blob store: ${err.message}`));
    ctx.type = 'text/plain; charset=utf-8';
    ctx.status = failures.length === 0 ? 200 : 503;
    ctx.body = failures.length === 0 ? 'ok\n' : failures.join('\n') + '\n';
  });
}
