/**
 * The registry's own checksum database over HTTP: `GOSUMDB="<verifier key> https://host/sumdb/<name>"`
 * reads `/sumdb/<name>/latest`, `lookup/…` and `tile/…` here (and go finds the same answers
 * under each GOPROXY endpoint, see goproxy-routes.ts). The verifier key is published at
 * `/api/sumdb/key` without credentials; the admin API shows it with the log's size.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { invalid, notFound } from '../../domain/domain-error.js';
import type { AuthService } from '../../service/auth-service.js';
import type { SumdbAnswer, SumdbServer } from '../../service/sumdb-server.js';
import type { ChecksumLog } from '../../service/checksum-log.js';
import { principalOf } from '../credentials.js';
import { immutable } from '../zip-response.js';

const DATABASE_PATH = /^\/sumdb\/([^/]+)\/(.+)$/;

export function registerSumdbRoutes(router: Router, auth: AuthService, server: SumdbServer, log: ChecksumLog): void {
  router.get('sumdb', DATABASE_PATH, async (ctx: Context) => {
    const [, name, path] = DATABASE_PATH.exec(ctx.path) ?? [];
    if (name !== server.name) throw notFound(`this registry's checksum database is ${server.name}, not ${name}`);
    sendSumdb(ctx, await server.answer(principalOf(ctx), path!));
  });
  router.get('/api/sumdb/key', (ctx: Context) => {
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = `${server.verifierKey}\n`;
  });
  // For auditors: which owner hosts each record (the log itself does not say), so each zip is fetched where it is served.
  router.get('/api/admin/sumdb/records', async (ctx: Context) => {
    auth.requireAdmin(principalOf(ctx));
    const from = Number(ctx.query.from ?? 0);
    const count = Number(ctx.query.count ?? 1000);
    if (!Number.isSafeInteger(from) || from < 0) throw invalid('from: want a record id ≥ 0');
    if (!Number.isSafeInteger(count) || count < 1 || count > 1000) throw invalid('count: want 1 to 1000');
    ctx.body = (await log.records(from, count)).map((r) => ({ id: r.id, modulePath: r.modulePath, version: r.version, owner: r.owner ?? null }));
  });
  router.get('/api/admin/sumdb', async (ctx: Context) => {
    auth.requireAdmin(principalOf(ctx));
    const { size } = await log.head();
    ctx.body = { name: server.name, verifierKey: server.verifierKey, size };
  });
}

/** An answer of the checksum database: full tiles are immutable; everything else may grow. */
export function sendSumdb(ctx: Context, answer: SumdbAnswer): void {
  ctx.body = answer.body;
  ctx.type = answer.kind === 'hash-tile' ? 'application/octet-stream' : 'text/plain; charset=utf-8';
  // Lookups are masked per caller, data tiles are the admin's: neither may sit in a shared cache.
  const shared = answer.kind === 'hash-tile' ? 'public' : 'private';
  ctx.set('Cache-Control', answer.immutable ? immutable(shared) : `${shared}, no-cache`);
}
