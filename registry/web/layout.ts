/** The page shell every web UI page shares: head, header (search, sign-in state), main, footer. */
import { html, type SafeHtml } from './html.js';
import { homeUrl, ownerUrl, SIGN_IN_URL, SIGN_OUT_URL } from './links.js';

/** Who is looking, and what every page needs besides its own data. */
export interface ViewContext {
  /** The signed-in token, when there is a session. */
  signedIn: { owner: string; token: string } | undefined;
  /** The session's CSRF value, for forms that change something (sign-out). */
  csrf: string | undefined;
  assets: { css: string; js: string };
  /** The search box's text. */
  query?: string;
}

export interface Crumb {
  label: string;
  href?: string;
}

function header(view: ViewContext, crumbs: Crumb[]): SafeHtml {
  const session = view.signedIn
    ? html`<form class="session" method="post" action="${SIGN_OUT_URL}">
        <span class="who">Signed in: <a href="${ownerUrl(view.signedIn.owner)}">${view.signedIn.owner}</a> <span class="muted">(${view.signedIn.token})</span></span>
        <input type="hidden" name="csrf" value="${view.csrf}">
        <button type="submit" class="button secondary">Sign out</button>
      </form>`
    : html`<a class="button secondary" href="${SIGN_IN_URL}">Sign in</a>`;
  return html`<header class="site-header">
    <div class="bar">
      <a class="brand" href="/"><span class="logo" aria-hidden="true">◆</span> go-registry</a>
      <form class="search" role="search" method="get" action="${homeUrl()}">
        <label for="q" class="visually-hidden">Search modules by path</label>
        <input id="q" name="q" type="search" placeholder="Search modules (prefix or part of a path)" value="${view.query ?? ''}" autocomplete="off" maxlength="200" aria-controls="live-results">
        <button type="submit" class="button">Search</button>
        <div id="live-results" class="live-results" role="region" aria-live="polite" aria-label="Search suggestions"></div>
      </form>
      ${session}
    </div>
    ${crumbs.length > 0
      ? html`<nav class="crumbs" aria-label="Breadcrumb"><ol>${crumbs.map((c) => html`<li>${c.href ? html`<a href="${c.href}">${c.label}</a>` : html`<span aria-current="page">${c.label}</span>`}</li>`)}</ol></nav>`
      : ''}
  </header>`;
}

export function layout(view: ViewContext, page: { title: string; crumbs?: Crumb[]; body: SafeHtml }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${page.title} · go-registry</title>
<link rel="stylesheet" href="${view.assets.css}">
<script src="${view.assets.js}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${header(view, page.crumbs ?? [])}
<main id="main" tabindex="-1">
${page.body}
</main>
<footer class="site-footer"><p>go-registry · <a href="/">Home</a> · GOPROXY protocol at <code>/api/packages/{owner}/go</code> and <code>/go</code></p></footer>
</body>
</html>
`.value;
}
