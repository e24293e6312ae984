/**
 * What every web UI route shares: the security headers, the session behind the cookie
 * (the UI's only credential: an Authorization header does not sign in to it), the view
 * context pages are rendered with, and errors answered as HTML pages with the statuses
 * the error mapper gives their kinds.
 */
import type { Context } from 'koa';
import { DomainError } from '../../domain/domain-error.js';
import type { Principal } from '../../domain/owner.js';
import type { ActiveSession, UiSessionService } from '../../service/ui-session-service.js';
import type { ViewContext } from '../../web/layout.js';
import { errorPage } from '../../web/pages/error-page.js';
import { statusOf } from '../error-mapper.js';
import { stateOf } from '../request-context.js';

/** Scripts and styles only from this registry, no inline script, no framing, images from here or data: URLs. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "object-src 'none'",
  "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(ctx: Context): void {
  ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'same-origin');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
}

/** The session cookie: `__Host-` on HTTPS (Secure, Path=/, no Domain: no subdomain can set or read it). */
export const sessionCookieName = (ctx: Context) => (ctx.secure ? '__Host-gor_session' : 'gor_session');

export interface UiRequest {
  principal: Principal;
  session: ActiveSession | undefined;
  sessionId: string | undefined;
  view: ViewContext;
}

export interface Assets {
  css: string;
  js: string;
}

export class UiContext {
  constructor(
    readonly sessions: UiSessionService,
    readonly assets: Assets,
  ) {}

  async request(ctx: Context, query?: string): Promise<UiRequest> {
    const sessionId = ctx.cookies.get(sessionCookieName(ctx));
    const session = sessionId ? await this.sessions.resolve(sessionId) : undefined;
    // A session whose token was revoked (or that expired) ends here: the cookie goes too.
    if (sessionId && !session) ctx.cookies.set(sessionCookieName(ctx), null, { httpOnly: true, secure: ctx.secure, sameSite: 'strict', path: '/' });
    const principal: Principal = session?.principal ?? { kind: 'anonymous' };
    const signedIn = principal.kind === 'token' ? { owner: principal.owner, token: principal.name } : undefined;
    return { principal, session, sessionId: session ? sessionId : undefined, view: { signedIn, csrf: session?.csrf, assets: this.assets, query } };
  }

  /** Answers an HTML page: the render's, or the error page of a DomainError with its status. */
  async page(ctx: Context, render: (req: UiRequest) => Promise<string>): Promise<void> {
    securityHeaders(ctx);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Vary', 'Cookie');
    const req = await this.request(ctx, typeof ctx.query.q === 'string' ? ctx.query.q : undefined);
    try {
      ctx.body = await render(req);
      ctx.type = 'text/html; charset=utf-8';
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      this.error(ctx, req, statusOf(err.kind), err.message);
    }
  }

  error(ctx: Context, req: UiRequest, status: number, message: string): void {
    if (status >= 500) stateOf(ctx).log.warn({ status, message }, 'web UI page failed');
    ctx.status = status;
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = errorPage(req.view, status, message);
  }
}

/** This registry's origin as the client reached it (X-Forwarded-* behind a proxy); Koa 3's ctx.origin is the Origin header. */
export const ownOrigin = (ctx: Context) => `${ctx.protocol}://${ctx.host}`;

/**
 * A form POST from this registry's own pages: the Origin (or, without one, Sec-Fetch-Site)
 * says so. With SameSite=Strict cookies and the per-session CSRF value, the third check.
 */
export function fromSameOrigin(ctx: Context): boolean {
  const origin = ctx.get('Origin');
  if (origin) return origin === ownOrigin(ctx);
  const site = ctx.get('Sec-Fetch-Site');
  return site === '' || site === 'same-origin' || site === 'none';
}
