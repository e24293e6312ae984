/**
 * The lean path (LEAN_GOPROXY, on by default): warm GOPROXY metadata hits — a GET of a
 * hosted module's `@v/list`, `@latest`, `.info` or `.mod` — answered on Node's request
 * listener in front of Koa, whose middleware chain cost more than the rest of such an
 * answer (bench/README.md, "Cost per request").
 *
 * It makes the same decisions with the same code as the Koa routes: the credential through
 * `authenticate`, the source through GoproxyService (visibility, claims), the answer through
 * `hostedMetadata` — from memory without a promise when the read cache holds all it needs
 * (the `known…` look-ups, repository/known.ts), else the same look-ups awaited. It writes
 * the same headers and body, counts the same metrics (`countAnswered`) and logs the same
 * line (access-log.ts). Everything else goes to Koa:
 * another method or route, a path Koa would read differently (percent-encoded, a fragment,
 * not origin-form), a zip, a refused credential, a module or version that is not there
 * (so a hidden one and a missing one are answered alike, by the same code, at the same
 * point), an error. What it did first — the request id, the authentication, the promised
 * log line — is handed over, so nothing is done twice.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { checkOwnerName } from '../domain/owner-name.js';
import type { Principal } from '../domain/owner.js';
import type { Logger } from '../logger.js';
import type { RegistryMetrics } from '../metrics.js';
import { parseGoproxyRequest } from '../goproxy/goproxy-request.js';
import type { AuthService } from '../service/auth-service.js';
import type { GoproxyService } from '../service/goproxy-service.js';
import type { ModuleReadService } from '../service/module-read-service.js';
import { authenticate, type Authentication } from './credentials.js';
import { UNKNOWN, type Known } from '../repository/known.js';
import { goproxyRouteOf, hostedMetadata, isMetadataRequest, knownHostedMetadata, type GoproxyRoute, type MetadataAnswer, type MetadataRequest } from './goproxy-answer.js';
import { countAnswered } from './metrics-middleware.js';
import { AccessLog } from './access-log.js';
import { handToKoa, requestId } from './request-context.js';
import { matchesIfNoneMatch } from './zip-response.js';

export interface LeanGoproxyDeps {
  logger: Logger;
  auth: AuthService;
  goproxy: GoproxyService;
  reader: ModuleReadService;
  metrics: RegistryMetrics;
}

interface Target {
  path: string;
  route: GoproxyRoute;
  owner: string | undefined;
  request: MetadataRequest;
}

/** Bytes Koa's ctx.path and the router could read otherwise than this path does: such requests go to Koa. */
const NOT_PLAIN = /[^\x21-\x7e]|[%#]/;
const NOBODY: Principal = { kind: 'anonymous' };

/** What the lean path may answer: a GET of a GOPROXY metadata file, as the router would route it. */
function targetOf(req: IncomingMessage): Target | undefined {
  const url = req.url;
  if (req.method !== 'GET' || url === undefined || url.charCodeAt(0) !== 0x2f || NOT_PLAIN.test(url)) return undefined;
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const where = goproxyRouteOf(path);
  if (where === undefined || (where.owner !== undefined && checkOwnerName(where.owner))) return undefined;
  const request = parseGoproxyRequest(where.tail);
  if (request === undefined || !isMetadataRequest(request)) return undefined;
  return { path, route: where.route, owner: where.owner, request };
}

/**
 * Answers ready during a turn of the event loop, written together when it ends. Written as
 * each was ready, every answer could wake a client process that had gone to sleep, and on a
 * virtual machine waking another CPU is what cost most: written back to back, the first wakes
 * it and the others arrive while it reads (`bench/README.md`, "Cost per request": about a
 * fifth less CPU per answer under load). A lone request waits for the rest of its turn only.
 */
class TurnWrites {
  private pending: (() => void)[] = [];

  add(write: () => void): void {
    if (this.pending.push(write) === 1) setImmediate(this.flush);
  }

  private readonly flush = () => {
    const due = this.pending;
    this.pending = [];
    for (const write of due) write();
  };
}

export function leanGoproxy(deps: LeanGoproxyDeps, koa: RequestListener): RequestListener {
  const access = new AccessLog(deps.logger);
  const writes = new TurnWrites();
  return (req, res) => {
    const target = targetOf(req);
    if (target === undefined) return koa(req, res);
    const started = process.hrtime.bigint();
    const reqId = requestId(req.headers['x-request-id'] as string | undefined);
    let authentication: Authentication | undefined;
    const line = { reqId, method: 'GET', path: target.path, credential: () => authentication?.credential };
    const toKoa = () => {
      // Koa's requestContext leaves the line to us: its request id and start are ours.
      access.whenDone(res, started, line);
      handToKoa(req, { reqId, authentication: authentication! });
      koa(req, res);
    };
    const presented = authenticate(deps.auth, req.headers.authorization);
    const ready = (answer: MetadataAnswer | undefined) => {
      if (answer === undefined) return toKoa();
      writes.add(() => {
        try {
          write(deps, req, res, target, authentication!, answer, started, reqId);
        } catch (err) {
          // Nothing sent yet (a header Node refused): Koa answers it, and logs what was unexpected.
          if (!res.headersSent) return toKoa();
          res.destroy(err as Error);
        }
        access.whenDone(res, started, line);
      });
    };
    const answered = (a: Authentication) => {
      authentication = a;
      if (a.error !== undefined) return toKoa();
      const principal = a.principal ?? NOBODY;
      // From memory when the read cache holds it all, else the same look-ups with promises.
      const known = knownAnswer(deps, target, principal);
      if (known === UNKNOWN) hostedAnswer(deps, target, principal).then(ready, toKoa);
      else ready(known);
    };
    if (presented instanceof Promise) presented.then(answered);
    else answered(presented);
  };
}

/** hostedAnswer's answer from what the read cache holds, without a promise; UNKNOWN when the database must be asked. */
function knownAnswer(deps: LeanGoproxyDeps, t: Target, principal: Principal): Known<MetadataAnswer | undefined> {
  const { modulePath } = t.request;
  const source = t.owner === undefined ? deps.goproxy.knownViaRegistry(principal, modulePath) : deps.goproxy.knownViaOwner(principal, t.owner, modulePath);
  if (source === UNKNOWN) return UNKNOWN;
  if (source.hosted === undefined) return undefined;
  try {
    return knownHostedMetadata(deps.reader, t.request, source.hosted);
  } catch {
    return undefined;
  }
}

/** The hosted module's answer, or undefined for anything Koa answers (a claim's miss, the cache, not found, an error). */
async function hostedAnswer(deps: LeanGoproxyDeps, t: Target, principal: Principal): Promise<MetadataAnswer | undefined> {
  const { modulePath } = t.request;
  const source = t.owner === undefined ? await deps.goproxy.viaRegistry(principal, modulePath) : await deps.goproxy.viaOwner(principal, t.owner, modulePath);
  if (source.hosted === undefined) return undefined;
  try {
    return await hostedMetadata(deps.reader, t.request, source.hosted);
  } catch {
    return undefined;
  }
}

function write(deps: LeanGoproxyDeps, req: IncomingMessage, res: ServerResponse, t: Target, a: Authentication, answer: MetadataAnswer, started: bigint, reqId: string): void {
  // The headers Koa's routes set, in the order they set them (Node adds Date, Connection, Keep-Alive alike).
  const headers = ['X-Request-Id', reqId, 'Cache-Control', answer.cacheControl];
  let status = 200;
  let length: number | undefined;
  if (answer.etag !== undefined && matchesIfNoneMatch(req.headers['if-none-match'], answer.etag)) {
    status = 304;
    headers.push('ETag', answer.etag);
    res.writeHead(status, headers).end();
  } else {
    length = typeof answer.body === 'string' ? Buffer.byteLength(answer.body) : answer.body.length;
    headers.push('Content-Type', answer.contentType, 'Content-Length', String(length));
    if (answer.etag !== undefined) headers.push('ETag', answer.etag);
    res.writeHead(status, headers).end(answer.body);
  }
  countAnswered(deps.metrics, {
    method: 'GET',
    route: t.route,
    status,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    credential: a.credential,
    accepted: a.principal !== undefined,
    goproxyKind: t.request.kind,
    uploadedBytes: undefined,
    length,
    lean: true,
  });
}
