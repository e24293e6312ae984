/** The sign-in form: a registry token in, a session cookie out (http/ui/session-routes.ts). */
import { html } from '../html.js';
import { layout, type ViewContext } from '../layout.js';
import { SIGN_IN_URL } from '../links.js';

export function signInPage(view: ViewContext, formToken: string, problem?: string): string {
  const body = html`<section class="card narrow" aria-labelledby="signin-title">
    <h1 id="signin-title">Sign in</h1>
    ${view.signedIn ? html`<p class="notice">You are signed in as ${view.signedIn.owner} (${view.signedIn.token}). Signing in again replaces that session.</p>` : ''}
    ${problem ? html`<p class="notice error" role="alert">${problem}</p>` : ''}
    <form method="post" action="${SIGN_IN_URL}" class="stack">
      <input type="hidden" name="form" value="${formToken}">
      <label for="token">Registry token</label>
      <input id="token" name="token" type="password" autocomplete="off" required spellcheck="false" placeholder="gor_…" aria-describedby="token-help">
      <p id="token-help" class="muted small">An owner's token (<code>gor_…</code>), as given by the admin API or the operator's Secret. You then see what it may read. The token is not kept: the session stores only its hash, and ends when the token is revoked.</p>
      <button type="submit" class="button">Sign in</button>
    </form>
  </section>`;
  return layout(view, { title: 'Sign in', crumbs: [{ label: 'Home', href: '/' }, { label: 'Sign in' }], body });
}
