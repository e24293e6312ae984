/**
 * The admin API (Bearer admin token, JSON): owners and their tokens. This is the
 * operator's only way into the registry.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { invalid } from '../../domain/domain-error.js';
import { checkOwnerName } from '../../domain/owner-name.js';
import type { AuthService } from '../../service/auth-service.js';
import type { OwnerService } from '../../service/owner-service.js';
import { checkManagedBy, OwnerPutBody, parseBody, TOKEN_NAME, TokenPutBody } from '../admin-schemas.js';
import { principalOf } from '../credentials.js';
import { readJson } from '../json-body.js';
import { adminOpenApi } from '../admin-openapi.js';

export function ownerParam(ctx: Context): string {
  const owner = String(ctx.params.owner);
  const problem = checkOwnerName(owner);
  if (problem) throw invalid(problem);
  return owner;
}

function tokenParam(ctx: Context): string {
  const name = String(ctx.params.name);
  if (!TOKEN_NAME.test(name)) throw invalid(`invalid token name "${name}": use 1-63 lowercase letters, digits, ".", "_" or "-"`);
  return name;
}

export function registerAdminRoutes(router: Router, auth: AuthService, owners: OwnerService): void {
  router.get('/api/admin/openapi.json', (ctx: Context) => {
    ctx.body = adminOpenApi();
  });
  const admin = async (ctx: Context, next: () => Promise<unknown>) => {
    auth.requireAdmin(principalOf(ctx));
    await next();
  };
  router.get('/api/admin/owners', admin, async (ctx: Context) => {
    ctx.body = await owners.list();
  });
  router.get('/api/admin/owners/:owner', admin, async (ctx: Context) => {
    ctx.body = await owners.get(ownerParam(ctx));
  });
  router.put('/api/admin/owners/:owner', admin, async (ctx: Context) => {
    const name = ownerParam(ctx);
    const body = parseBody(OwnerPutBody, await readJson(ctx));
    const { created, owner } = await owners.put(name, body);
    ctx.status = created ? 201 : 200;
    ctx.body = owner;
  });
  router.delete('/api/admin/owners/:owner', admin, async (ctx: Context) => {
    await owners.delete(ownerParam(ctx), ctx.query.force === 'true');
    ctx.status = 204;
  });
  router.delete('/api/admin/owners/:owner/managed-by/:id', admin, async (ctx: Context) => {
    const id = String(ctx.params.id);
    const problem = checkManagedBy(id);
    if (problem) throw invalid(problem);
    await owners.release(ownerParam(ctx), id);
    ctx.status = 204;
  });
  router.put('/api/admin/owners/:owner/tokens/:name', admin, async (ctx: Context) => {
    const owner = ownerParam(ctx);
    const name = tokenParam(ctx);
    const body = parseBody(TokenPutBody, await readJson(ctx));
    const expiresAt = body.expiresAt === undefined ? undefined : new Date(body.expiresAt);
    const result = await owners.putToken(owner, name, { scopes: body.scopes, expiresAt, token: body.token });
    const view = (await owners.get(owner)).tokens.find((t) => t.name === name);
    ctx.status = result.created ? 201 : 200;
    ctx.body = { ...view, ...(result.token ? { token: result.token } : {}) };
  });
  router.delete('/api/admin/owners/:owner/tokens/:name', admin, async (ctx: Context) => {
    await owners.deleteToken(ownerParam(ctx), tokenParam(ctx));
    ctx.status = 204;
  });
}
