/** Gives each request an id (X-Request-Id, accepted when sane), its state and one access-log line when it is done. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import type { CredentialKind } from '../domain/identity.js';
import type { Principal } from '../domain/owner.js';
import type { Logger } from '../logger.js';
import type { AccessLog } from './access-log.js';
import type { Authentication } from './credentials.js';

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * What the middlewares and routes note about one request, as a class so every request's
 * state has the same shape: properties added ad hoc to Koa's `{}` (and a getter defined
 * on it per request) put V8 on its slow paths, and that cost more than the cached read.
 */
export class RequestState {
  principal: Principal | undefined = undefined;
  /** The kind of credential presented (token, admin, kubernetes, oidc), accepted or not. */
  credential: CredentialKind | undefined = undefined;
  /** list, latest, info, mod or zip: set by the GOPROXY route, counted by the metrics. */
  goproxyKind: string | undefined = undefined;
  /** Size of a published zip, for the metrics. */
  uploadedBytes: number | undefined = undefined;
  #log: Logger | undefined = undefined;

  constructor(
    readonly reqId: string,
    private readonly root: Logger,
  ) {}

  /** A logger carrying the request id: a child logger costs more than a cached read, so made only when used. */
  get log(): Logger {
    return (this.#log ??= this.root.child({ reqId: this.reqId }));
  }
}

export const stateOf = (ctx: Context): RequestState => ctx.state as RequestState;

/** The request's id: the client's X-Request-Id when it is sane, else a new one. */
export const requestId = (incoming: string | undefined): string => (incoming && SANE_ID.test(incoming) ? incoming : randomUUID());

/**
 * A request the lean path (lean-goproxy.ts) began and handed to Koa: its id, its
 * authentication (not made twice) and its access-log line, already promised.
 */
export interface HandedOver {
  readonly reqId: string;
  readonly authentication: Authentication;
}

const handedOver = new WeakMap<IncomingMessage, HandedOver>();

export function handToKoa(req: IncomingMessage, begun: HandedOver): void {
  handedOver.set(req, begun);
}

export const handedOverOf = (req: IncomingMessage): HandedOver | undefined => handedOver.get(req);

export function requestContext(logger: Logger, access: AccessLog) {
  return async (ctx: Context, next: Next) => {
    const begun = handedOver.get(ctx.req);
    const state = new RequestState(begun?.reqId ?? requestId(ctx.get('X-Request-Id')), logger);
    ctx.state = state;
    ctx.set('X-Request-Id', state.reqId);
    if (!begun) access.whenDone(ctx.res, process.hrtime.bigint(), { reqId: state.reqId, method: ctx.method, path: ctx.path, credential: () => state.credential });
    await next();
  };
}
