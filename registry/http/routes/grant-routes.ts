/** Admin API: the grants of an owner (which workload identities get which scopes). */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { invalid } from '../../domain/domain-error.js';
import type { Grant, GrantSubject } from '../../domain/identity.js';
import type { AuthService } from '../../service/auth-service.js';
import type { GrantService } from '../../service/grant-service.js';
import { GrantPutBody, parseBody, TOKEN_NAME } from '../admin-schemas.js';
import { principalOf } from '../credentials.js';
import { readJson } from '../json-body.js';
import { ownerParam } from './admin-routes.js';

function grantParam(ctx: Context): string {
  const name = String(ctx.params.name);
  if (!TOKEN_NAME.test(name)) throw invalid(`invalid grant name "${name}": use 1-63 lowercase letters, digits, ".", "_" or "-"`);
  return name;
}

/** The answer's shape: the subject under its kind's key, as the request gives it. */
export function grantView(g: Grant) {
  const { kind, ...subject } = g.subject;
  return { name: g.name, scopes: g.scopes, [kind]: subject, createdAt: g.createdAt };
}

export function registerGrantRoutes(router: Router, auth: AuthService, grants: GrantService): void {
  const admin = async (ctx: Context, next: () => Promise<unknown>) => {
    auth.requireAdmin(principalOf(ctx));
    await next();
  };
  router.get('/api/admin/owners/:owner/grants', admin, async (ctx: Context) => {
    ctx.body = (await grants.list(ownerParam(ctx))).map(grantView);
  });
  router.put('/api/admin/owners/:owner/grants/:name', admin, async (ctx: Context) => {
    const owner = ownerParam(ctx);
    const name = grantParam(ctx);
    const body = parseBody(GrantPutBody, await readJson(ctx));
    const subject: GrantSubject = body.serviceAccount
      ? { kind: 'serviceAccount', namespace: body.serviceAccount.namespace, ...(body.serviceAccount.name ? { name: body.serviceAccount.name } : {}) }
      : { kind: 'oidc', issuer: body.oidc!.issuer, claims: body.oidc!.claims };
    const { created, grant } = await grants.put(owner, name, subject, body.scopes);
    ctx.status = created ? 201 : 200;
    ctx.body = grantView(grant);
  });
  router.delete('/api/admin/owners/:owner/grants/:name', admin, async (ctx: Context) => {
    await grants.delete(ownerParam(ctx), grantParam(ctx));
    ctx.status = 204;
  });
}
