/** PUT /api/packages/{owner}/go/upload — the seeds' publish endpoint (curl --upload-file). */
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { invalid } from '../../domain/domain-error.js';
import { checkOwnerName } from '../../domain/owner-name.js';
import type { PublishService } from '../../service/publish-service.js';

export function registerUploadRoutes(router: Router, publisher: PublishService, authenticate: Middleware): void {
  router.put('/api/packages/:owner/go/upload', authenticate, async (ctx: Context) => {
    const owner = String(ctx.params.owner);
    const problem = checkOwnerName(owner);
    if (problem) throw invalid(problem);
    const published = await publisher.publish(owner, ctx.req);
    ctx.status = 201;
    const { modulePath, ...rest } = published;
    ctx.body = { owner, module: modulePath, ...rest };
  });
}
