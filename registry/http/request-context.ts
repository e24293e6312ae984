/** Gives each request an id (X-Request-Id, accepted when sane), its state and one access-log line when it is done. */
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { CredentialKind } from '../domain/identity.js';
import type { Principal } from '../domain/owner.js';
import type { Logger } from '../logger.js';

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

export function requestContext(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    const incoming = ctx.get('X-Request-Id');
    const state = new RequestState(SANE_ID.test(incoming) ? incoming : randomUUID(), logger);
    ctx.state = state;
    ctx.set('X-Request-Id', state.reqId);
    const started = process.hrtime.bigint();
    // Logged once the response is done: off the path to the client's first byte, with the
    // whole transfer in `ms` (a streamed zip's too), and saying so when it was cut short.
    ctx.res.once('close', () => {
      const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
      const line = { reqId: state.reqId, method: ctx.method, path: ctx.path, status: ctx.status, ms, ...(state.credential ? { credential: state.credential } : {}) };
      logger.info(ctx.res.writableFinished ? line : { ...line, aborted: true }, 'request');
    });
    await next();
  };
}
