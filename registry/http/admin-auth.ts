/**
 * Admin-token authentication, until owners and scoped tokens exist: the token as
 * the HTTP Basic password (any username, as curl --user and .netrc send it) or as a
 * Bearer token. Compared as SHA-256 digests in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { DomainError } from '../domain/domain-error.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The secret a request presents, from Basic (password) or Bearer; undefined when none. */
export function presentedSecret(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const [scheme, value] = authorization.split(/\s+/, 2);
  if (!value) return undefined;
  if (/^bearer$/i.test(scheme!)) return value;
  if (/^basic$/i.test(scheme!)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

export function requireAdmin(adminToken: string) {
  const expected = digest(adminToken);
  return async (ctx: Context, next: Next) => {
    const secret = presentedSecret(ctx.get('Authorization') || undefined);
    if (secret === undefined) throw new DomainError('Unauthorized', 'authentication required: use the admin token as the password');
    if (!timingSafeEqual(digest(secret), expected)) throw new DomainError('Unauthorized', 'invalid credentials');
    await next();
  };
}
