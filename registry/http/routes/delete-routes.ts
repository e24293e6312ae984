/**
 * Deleting a version: the GOPROXY-shaped path (case-encoded, as go spells it) and
 * Gitea's API path (module path URL-escaped, as Gitea users script it).
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { unescapeModulePath, unescapeVersion } from '../../domain/case-encoding.js';
import { invalid, notFound } from '../../domain/domain-error.js';
import { checkModulePath, checkVersionString } from '../../domain/module-path.js';
import { checkOwnerName } from '../../domain/owner-name.js';
import type { AuthService } from '../../service/auth-service.js';
import type { DeleteService } from '../../service/delete-service.js';
import { principalOf } from '../credentials.js';

const GOPROXY_DELETE = /^\/api\/packages\/([^/]+)\/go\/(.+)\/@v\/([^/]+)$/;
const GITEA_DELETE = /^\/api\/v1\/packages\/([^/]+)\/go\/([^/]+)\/([^/]+)$/;

const decode = (s: string | undefined) => {
  try {
    return s === undefined ? undefined : decodeURIComponent(s);
  } catch {
    return undefined;
  }
};

export function registerDeleteRoutes(router: Router, auth: AuthService, deleter: DeleteService): void {
  const remove = async (ctx: Context, owner?: string, modulePath?: string, version?: string) => {
    if (!owner || checkOwnerName(owner)) throw notFound('not found');
    await auth.writableOwner(principalOf(ctx), owner);
    if (!modulePath || !version) throw notFound('not found');
    // Only a version string that could have been published reaches the database (no NUL, no shorthand).
    const problem = checkVersionString(version);
    if (problem) throw invalid(problem);
    await deleter.deleteVersion(owner, modulePath, version);
    ctx.status = 204;
  };
  router.delete('delete-version', GOPROXY_DELETE, async (ctx: Context) => {
    const [, owner, mod, ver] = GOPROXY_DELETE.exec(ctx.path) ?? [];
    const modulePath = unescapeModulePath(decode(mod) ?? '');
    const version = unescapeVersion(decode(ver) ?? '');
    await remove(ctx, owner, modulePath, version);
  });
  router.delete('delete-version-gitea', GITEA_DELETE, async (ctx: Context) => {
    const [, owner, mod, ver] = GITEA_DELETE.exec(ctx.path) ?? [];
    const modulePath = decode(mod);
    const ok = modulePath !== undefined && checkModulePath(modulePath) === undefined;
    await remove(ctx, owner, ok ? modulePath : undefined, decode(ver));
  });
}
