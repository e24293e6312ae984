/**
 * The one place where error kinds become HTTP statuses. Every error answer is
 * text/plain and names the problem; anything unexpected is logged and becomes a
 * bare 500 that reveals nothing.
 */
import type { Context, Next } from 'koa';
import { DomainError, type DomainErrorKind } from '../domain/domain-error.js';
import { stateOf } from './request-context.js';

const STATUS: Record<DomainErrorKind, number> = {
  Invalid: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  TooLarge: 413,
  Unavailable: 503,
  InsufficientStorage: 507,
  // Neither is a 404: go must not move on to its next GOPROXY entry (or `direct`) because an upstream was
  // down or slow — in a cluster without an Internet path that only fails later and slower.
  UpstreamFailed: 502,
  UpstreamTimeout: 504,
};

/** The status of an error kind (the web UI answers its pages' errors as HTML with the same statuses). */
export const statusOf = (kind: DomainErrorKind): number => STATUS[kind];

/** Seconds a client should wait before retrying a 503: a database restart takes a few. */
export const RETRY_AFTER_SECONDS = 5;

/** Answers that may come before an upload's body was read: don't keep reading it. */
const CLOSES = new Set<DomainErrorKind>(['TooLarge', 'Unauthorized', 'Unavailable', 'InsufficientStorage']);

export const BASIC_CHALLENGE = 'Basic realm="go-registry", charset="UTF-8"';

export async function errorMapper(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (err) {
    if (err instanceof DomainError) {
      ctx.status = STATUS[err.kind];
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = err.message + '\n';
      if (err.kind === 'Unauthorized') ctx.set('WWW-Authenticate', BASIC_CHALLENGE);
      if (err.kind === 'Unavailable') ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
      if (CLOSES.has(err.kind)) ctx.set('Connection', 'close');
      return;
    }
    const status = (err as { status?: number; expose?: boolean }).status;
    if (status && status >= 400 && status < 500) {
      ctx.status = status;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = ((err as { expose?: boolean }).expose ? (err as Error).message : 'bad request') + '\n';
      return;
    }
    stateOf(ctx).log.error({ err }, 'unhandled error');
    ctx.status = 500;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = 'internal server error\n';
  }
}
