/**
 * Sign-in and sign-out. The sign-in form carries a one-time value that must equal a
 * SameSite=Strict cookie set with the form (so another site cannot sign a visitor in to
 * its own token); sign-out carries the session's CSRF value. Both POSTs must come from
 * this origin. The session cookie is HttpOnly, SameSite=Strict, Secure on HTTPS (as
 * `__Host-…`), and lasts as long as the session (UI_SESSION_MINUTES).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { DomainError, invalid } from '../../domain/domain-error.js';
import { SIGN_IN_URL, SIGN_OUT_URL } from '../../web/links.js';
import { signInPage } from '../../web/pages/sign-in-page.js';
import { statusOf } from '../error-mapper.js';
import { readText } from '../json-body.js';
import { fromSameOrigin, sessionCookieName, type UiContext } from './ui-context.js';

const FORM_COOKIE = 'gor_signin';
const FORM_TTL_MS = 15 * 60_000;
const MAX_FORM_BYTES = 8 * 1024;

const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

async function readForm(ctx: Context): Promise<URLSearchParams> {
  if (!ctx.is('application/x-www-form-urlencoded')) throw invalid('a sign-in or sign-out form is sent as application/x-www-form-urlencoded');
  return new URLSearchParams(await readText(ctx, MAX_FORM_BYTES));
}

function newForm(ctx: Context): string {
  const value = randomBytes(24).toString('base64url');
  ctx.cookies.set(FORM_COOKIE, value, { httpOnly: true, secure: ctx.secure, sameSite: 'strict', path: SIGN_IN_URL, maxAge: FORM_TTL_MS });
  return value;
}

const clearSession = (ctx: Context) => ctx.cookies.set(sessionCookieName(ctx), null, { httpOnly: true, secure: ctx.secure, sameSite: 'strict', path: '/' });

export function registerSessionRoutes(router: Router, ui: UiContext): void {
  router.get('ui-sign-in', SIGN_IN_URL, (ctx: Context) => ui.page(ctx, async ({ view }) => signInPage(view, newForm(ctx))));

  router.post('ui-sign-in-post', SIGN_IN_URL, async (ctx: Context) => {
    await ui.page(ctx, async (req) => {
      if (!fromSameOrigin(ctx)) throw new DomainError('Forbidden', 'this form must be sent from this registry\'s own sign-in page');
      const form = await readForm(ctx);
      const expected = ctx.cookies.get(FORM_COOKIE) ?? '';
      if (expected === '' || !sameText(expected, form.get('form') ?? '')) {
        throw new DomainError('Forbidden', 'the sign-in form has expired or did not come from this registry: open the sign-in page again');
      }
      try {
        const session = await ui.sessions.signIn(form.get('token') ?? '');
        if (req.sessionId) await ui.sessions.signOut(req.sessionId);
        ctx.cookies.set(FORM_COOKIE, null, { httpOnly: true, secure: ctx.secure, sameSite: 'strict', path: SIGN_IN_URL });
        ctx.cookies.set(sessionCookieName(ctx), session.id, {
          httpOnly: true, secure: ctx.secure, sameSite: 'strict', path: '/', expires: session.expiresAt, overwrite: true,
        });
        ctx.status = 303;
        ctx.redirect('/');
        return 'Signed in.';
      } catch (err) {
        if (!(err instanceof DomainError) || !['Unauthorized', 'Forbidden', 'Invalid'].includes(err.kind)) throw err;
        ctx.status = statusOf(err.kind);
        return signInPage(req.view, newForm(ctx), err.message);
      }
    });
  });

  router.post('ui-sign-out', SIGN_OUT_URL, async (ctx: Context) => {
    await ui.page(ctx, async (req) => {
      if (!fromSameOrigin(ctx)) throw new DomainError('Forbidden', 'sign-out must be sent from this registry\'s own pages');
      const form = await readForm(ctx);
      if (req.sessionId) {
        if (!ui.sessions.csrfMatches(req.sessionId, form.get('csrf') ?? '')) throw new DomainError('Forbidden', 'the form did not carry this session\'s CSRF value: reload the page and try again');
        await ui.sessions.signOut(req.sessionId);
      }
      clearSession(ctx);
      ctx.status = 303;
      ctx.redirect('/');
      return 'Signed out.';
    });
  });
}
