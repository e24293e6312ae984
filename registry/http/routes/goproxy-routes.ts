/**
 * The GOPROXY protocol the go command speaks — `@v/list`, `@v/{version}.info|.mod|.zip`
 * and `@latest`, GET and HEAD — on an owner's endpoint, `GOPROXY=…/api/packages/{owner}/go`,
 * and on the registry-wide one, `GOPROXY=…/go`. `service/goproxy-service.ts` decides
 * which source answers; anything that is not a request go makes (prefix probes,
 * `sumdb/` on an owner's endpoint) is a plain 404 so go falls through.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { DomainError, notFound } from '../../domain/domain-error.js';
import { checkOwnerName } from '../../domain/owner-name.js';
import { parseGoproxyRequest, type GoproxyRequest } from '../../goproxy/goproxy-request.js';
import { claimedMiss, type GoproxyService, type GoproxySource } from '../../service/goproxy-service.js';
import type { ModuleReadService } from '../../service/module-read-service.js';
import type { PullThroughCache } from '../../service/pull-through-cache.js';
import type { SumdbProxy } from '../../service/sumdb-proxy.js';
import type { SumdbServer } from '../../service/sumdb-server.js';
import { sendSumdb } from './sumdb-routes.js';
import { canonicalModuleVersion } from '../../domain/go-semver.js';
import type { Owner } from '../../domain/owner.js';
import { principalOf } from '../credentials.js';
import { GOPROXY_PATH, hostedMetadata, isMetadataRequest, OWNER_SUMDB_PATH, REGISTRY_GOPROXY_PATH, SUMDB_PATH } from '../goproxy-answer.js';
import { stateOf } from '../request-context.js';
import { immutable, notModified, sendZip } from '../zip-response.js';


interface Sources {
  reader: ModuleReadService;
  cache: PullThroughCache;
  sumdb: SumdbProxy;
  /** The registry's own checksum database, found by go through every GOPROXY endpoint. */
  sumdbServer: SumdbServer;
}

export function registerGoproxyRoutes(router: Router, goproxy: GoproxyService, sources: Sources): void {
  // Before the GOPROXY routes, which would take sumdb/… for a module path.
  router.get('sumdb-proxy', SUMDB_PATH, async (ctx: Context) => {
    const [, name, path] = SUMDB_PATH.exec(ctx.path) ?? [];
    if (name === sources.sumdbServer.name) return sendSumdb(ctx, await sources.sumdbServer.answer(principalOf(ctx), path!));
    await answerSumdb(ctx, sources.sumdb, name!, path!);
  });
  router.get('sumdb-proxy-owner', OWNER_SUMDB_PATH, async (ctx: Context) => {
    const [, owner, name, path] = OWNER_SUMDB_PATH.exec(ctx.path) ?? [];
    if (owner && !checkOwnerName(owner) && name === sources.sumdbServer.name) return sendSumdb(ctx, await sources.sumdbServer.answer(principalOf(ctx), path!));
    // Only where the owner's endpoint falls through to the cache; elsewhere go goes to the database itself.
    if (!owner || checkOwnerName(owner) || !(await goproxy.fallsThrough(principalOf(ctx), owner))) throw notFound('not found');
    await answerSumdb(ctx, sources.sumdb, name!, path!);
  });
  router.get('goproxy', GOPROXY_PATH, async (ctx: Context) => {
    const [, owner, tail] = GOPROXY_PATH.exec(ctx.path) ?? [];
    if (!owner || checkOwnerName(owner)) throw notFound('not found');
    const request = parsed(ctx, tail);
    await answer(ctx, sources, request, await goproxy.viaOwner(principalOf(ctx), owner, request.modulePath));
  });
  router.get('goproxy-registry', REGISTRY_GOPROXY_PATH, async (ctx: Context) => {
    const [, tail] = REGISTRY_GOPROXY_PATH.exec(ctx.path) ?? [];
    const request = parsed(ctx, tail);
    await answer(ctx, sources, request, await goproxy.viaRegistry(principalOf(ctx), request.modulePath));
  });
}

function parsed(ctx: Context, tail: string | undefined): GoproxyRequest {
  const request = parseGoproxyRequest(tail ?? '');
  if (!request) throw notFound('not found');
  stateOf(ctx).goproxyKind = request.kind;
  return request;
}

async function answerSumdb(ctx: Context, sumdb: SumdbProxy, name: string, path: string): Promise<void> {
  ctx.body = await sumdb.answer(name, path);
  const fullTile = path.startsWith('tile/') && !path.includes('.p/');
  ctx.set('Cache-Control', fullTile ? immutable('public') : 'no-cache');
  ctx.type = path.startsWith('tile/') ? 'application/octet-stream' : 'text/plain; charset=utf-8';
}

/** The hosted answer when there is one; else the source's fallback. */
async function answer(ctx: Context, sources: Sources, request: GoproxyRequest, source: GoproxySource): Promise<void> {
  try {
    if (!source.hosted) throw notFound('not found');
    return await answerHosted(ctx, sources.reader, request, source.hosted);
  } catch (err) {
    if (!(err instanceof DomainError) || err.kind !== 'NotFound') throw err;
    if (source.fallback === 'claimed') throw claimedMiss(request.modulePath);
    if (source.fallback === 'upstream') return answerCached(ctx, sources, request);
    throw source.hosted ? err : notFound('not found');
  }
}

/** A public module through the pull-through cache: immutable answers may sit in shared caches. */
async function answerCached(ctx: Context, { reader, cache }: Sources, request: GoproxyRequest): Promise<void> {
  const forever = immutable('public');
  switch (request.kind) {
    case 'list':
      ctx.set('Cache-Control', 'no-cache');
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = await cache.list(request.modulePath);
      return;
    case 'latest':
      ctx.set('Cache-Control', 'no-cache');
      ctx.type = 'application/json';
      ctx.body = await cache.latest(request.modulePath);
      return;
    case 'info':
      ctx.body = await cache.info(request.modulePath, request.version);
      ctx.set('Cache-Control', canonicalModuleVersion(request.version) === request.version ? forever : 'no-cache');
      ctx.type = 'application/json';
      return;
    case 'mod':
      ctx.body = await cache.mod(request.modulePath, request.version);
      ctx.set('Cache-Control', forever);
      ctx.type = 'text/plain; charset=utf-8';
      return;
    case 'zip':
      return sendZip(ctx, reader, await cache.zip(request.modulePath, request.version), 'public');
  }
}

async function answerHosted(ctx: Context, reader: ModuleReadService, request: GoproxyRequest, owner: Owner): Promise<void> {
  if (!isMetadataRequest(request)) return sendZip(ctx, reader, await reader.find(owner.name, request.modulePath, request.version), owner.visibility);
  const answer = await hostedMetadata(reader, request, owner);
  ctx.set('Cache-Control', answer.cacheControl);
  // The type first: a string body would otherwise be typed text/plain.
  ctx.type = answer.contentType;
  ctx.body = answer.body;
  if (answer.etag === undefined) return;
  ctx.set('ETag', answer.etag);
  if (notModified(ctx, answer.etag)) ctx.status = 304;
}
