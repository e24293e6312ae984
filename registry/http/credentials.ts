/**
 * Reads the credential a request presents — the HTTP Basic password (any username,
 * as curl --user and .netrc send it) or a Bearer token — and resolves it to a
 * principal once per request, for the routes to authorize against.
 */
import type { Context, Next } from 'koa';
import type { CredentialKind } from '../domain/identity.js';
import type { Principal } from '../domain/owner.js';
import { UNKNOWN } from '../repository/known.js';
import { credentialOf, type AuthService } from '../service/auth-service.js';
import { handedOverOf, stateOf } from './request-context.js';

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

/** Who presented what: the principal when the credential was accepted, the kind of credential either way. */
export interface Authentication {
  readonly principal: Principal | undefined;
  readonly credential: CredentialKind | undefined;
  /** Why a presented credential was refused (a 401 or 503 to answer). */
  readonly error?: unknown;
}

const ANONYMOUS: Authentication = { principal: undefined, credential: undefined };

/** Authenticates the Authorization header's credential: at no await when memory suffices (nothing presented, a held token). */
export function authenticate(auth: AuthService, authorization: string | undefined): Authentication | Promise<Authentication> {
  const secret = presentedSecret(authorization);
  if (secret === undefined) return ANONYMOUS;
  const known = auth.knownAuthenticate(secret);
  if (known !== UNKNOWN) return { principal: known, credential: credentialOf(known) };
  return auth.authenticate(secret).then(
    (principal): Authentication => ({ principal, credential: credentialOf(principal) }),
    // Counted and logged by kind, never by value.
    (error: unknown): Authentication => ({ principal: undefined, credential: auth.credentialKindOf(secret), error }),
  );
}

export function resolvePrincipal(auth: AuthService) {
  return async (ctx: Context, next: Next) => {
    let authentication = handedOverOf(ctx.req)?.authentication ?? authenticate(auth, ctx.get('Authorization') || undefined);
    // Most GOPROXY reads present nothing: no promise to wait for then.
    if (authentication instanceof Promise) authentication = await authentication;
    const state = stateOf(ctx);
    state.principal = authentication.principal;
    state.credential = authentication.credential;
    if (authentication.error !== undefined) throw authentication.error;
    return next();
  };
}

export const principalOf = (ctx: Context): Principal => stateOf(ctx).principal ?? { kind: 'anonymous' };
