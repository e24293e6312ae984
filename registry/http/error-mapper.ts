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
};

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
      // An upload refused before its body was read: don't keep reading it.
      if (err.kind === 'TooLarge' || err.kind === 'Unauthorized') ctx.set('Connection', 'close');
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
