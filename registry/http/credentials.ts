/**
 * Reads the credential a request presents — the HTTP Basic password (any username,
 * as curl --user and .netrc send it) or a Bearer token — and resolves it to a
 * principal once per request, for the routes to authorize against.
 */
import type { Context, Next } from 'koa';
import type { Principal } from '../domain/owner.js';
import { credentialOf, type AuthService } from '../service/auth-service.js';
import { stateOf } from './request-context.js';

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

export function resolvePrincipal(auth: AuthService) {
  return async (ctx: Context, next: Next) => {
    const secret = presentedSecret(ctx.get('Authorization') || undefined);
    // Most GOPROXY reads present nothing: no promise to wait for then.
    if (secret !== undefined) {
      const state = stateOf(ctx);
      try {
        state.principal = await auth.authenticate(secret);
        state.credential = credentialOf(state.principal);
      } catch (err) {
        // Counted and logged by kind, never by value.
        state.credential = auth.credentialKindOf(secret);
        throw err;
      }
    }
    return next();
  };
}

export const principalOf = (ctx: Context): Principal => stateOf(ctx).principal ?? { kind: 'anonymous' };
