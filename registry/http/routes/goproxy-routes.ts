/**
 * GOPROXY=…/api/packages/{owner}/go — the protocol the go command speaks:
 * `@v/list`, `@v/{version}.info|.mod|.zip` and `@latest`, GET and HEAD. Anything
 * else under the prefix (prefix probes, `sumdb/`) is a plain 404 so go falls through.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { notFound } from '../../domain/domain-error.js';
import { checkOwnerName } from '../../domain/owner-name.js';
import { parseGoproxyRequest } from '../../goproxy/goproxy-request.js';
import type { AuthService } from '../../service/auth-service.js';
import type { ModuleReadService } from '../../service/module-read-service.js';
import { principalOf } from '../credentials.js';
import { setJsonBody } from '../json-response.js';
import { stateOf } from '../request-context.js';
import { immutable, notModified, sendZip } from '../zip-response.js';

export const GOPROXY_PATH = /^\/api\/packages\/([^/]+)\/go\/(.+)$/;

export function registerGoproxyRoutes(router: Router, auth: AuthService, reader: ModuleReadService): void {
  router.get('goproxy', GOPROXY_PATH, async (ctx: Context) => {
    const [, owner, tail] = GOPROXY_PATH.exec(ctx.path) ?? [];
    const request = parseGoproxyRequest(tail ?? '');
    if (!owner || checkOwnerName(owner)) throw notFound('not found');
    // Before the request is even parsed: an owner the caller may not read answers like a missing one.
    const { visibility } = await auth.readableOwner(principalOf(ctx), owner);
    if (!request) throw notFound('not found');
    stateOf(ctx).goproxyKind = request.kind;
    switch (request.kind) {
      case 'list':
        ctx.set('Cache-Control', 'no-cache');
        ctx.type = 'text/plain; charset=utf-8';
        ctx.body = await reader.list(owner, request.modulePath);
        return;
      case 'latest':
        ctx.set('Cache-Control', 'no-cache');
        setJsonBody(ctx, await reader.latest(owner, request.modulePath));
        return;
      case 'info':
      case 'mod':
      case 'zip': {
        const v = await reader.find(owner, request.modulePath, request.version);
        if (request.kind === 'zip') return sendZip(ctx, reader, v, visibility);
        ctx.set('Cache-Control', immutable(visibility));
        if (request.kind === 'info') {
          setJsonBody(ctx, reader.info(v));
        } else {
          ctx.type = 'text/plain; charset=utf-8';
          ctx.body = reader.goMod(v);
          const etag = `"${v.goModHash}"`;
          ctx.set('ETag', etag);
          if (notModified(ctx, etag)) ctx.status = 304;
        }
      }
    }
  });
}
