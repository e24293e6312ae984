/** PUT /api/packages/{owner}/go/upload — the seeds' publish endpoint (curl --upload-file). */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { invalid } from '../../domain/domain-error.js';
import { checkOwnerName } from '../../domain/owner-name.js';
import type { AuthService } from '../../service/auth-service.js';
import type { PublishService } from '../../service/publish-service.js';
import { principalOf } from '../credentials.js';
import { stateOf } from '../request-context.js';
import { uploadBody } from '../upload-body.js';

export function registerUploadRoutes(router: Router, auth: AuthService, publisher: PublishService): void {
  router.put('upload', '/api/packages/:owner/go/upload', async (ctx: Context) => {
    const owner = String(ctx.params.owner);
    const problem = checkOwnerName(owner);
    if (problem) throw invalid(problem);
    // Authorized before a byte of the body is read.
    await auth.writableOwner(principalOf(ctx), owner);
    const { modulePath, ...published } = await publisher.publish(owner, await uploadBody(ctx.req));
    stateOf(ctx).uploadedBytes = published.size;
    ctx.status = 201;
    ctx.body = { owner, module: modulePath, ...published };
  });
}
