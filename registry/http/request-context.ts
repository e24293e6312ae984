/** Gives each request an id (X-Request-Id, accepted when sane), its state and one access-log line when it is done. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, Next } from 'koa';
import type { CredentialKind } from '../domain/identity.js';
import type { Principal } from '../domain/owner.js';
import type { Logger } from '../logger.js';
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

/** What the access-log line says of a request besides its status (read from the response when it is done). */
export interface AccessLine {
  readonly reqId: string;
  readonly method: string;
  readonly path: string;
  credential(): CredentialKind | undefined;
}

/**
 * Logs the request once the response is done: off the path to the client's first byte,
 * with the whole transfer in `ms` (a streamed zip's too), and saying so when it was cut
 * short. The same line whichever path answered (Koa's chain or lean-goproxy.ts).
 */
export function logWhenDone(logger: Logger, res: ServerResponse, started: bigint, a: AccessLine): void {
  res.once('close', () => {
    const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
    const credential = a.credential();
    const line = { reqId: a.reqId, method: a.method, path: a.path, status: res.statusCode, ms, ...(credential ? { credential } : {}) };
    logger.info(res.writableFinished ? line : { ...line, aborted: true }, 'request');
  });
}

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

export function requestContext(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    const begun = handedOver.get(ctx.req);
    const state = new RequestState(begun?.reqId ?? requestId(ctx.get('X-Request-Id')), logger);
    ctx.state = state;
    ctx.set('X-Request-Id', state.reqId);
    if (!begun) logWhenDone(logger, ctx.res, process.hrtime.bigint(), { reqId: state.reqId, method: ctx.method, path: ctx.path, credential: () => state.credential });
    await next();
  };
}
