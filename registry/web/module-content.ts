/**
 * Module content made safe to show. It is untrusted: a README is rendered by markdown-it
 * with raw HTML off and then sanitized by sanitize-html (an allow-list of tags,
 * attributes and URL schemes; no scripts, handlers, styles or frames), so even a
 * renderer bug cannot put markup of the module's into the page; images may only come
 * from this registry (the CSP's img-src), not from a tracker of the module's choosing.
 * Source files are escaped text, Go highlighted by highlight.js (which escapes what it
 * does not mark up). Renders are kept per README object (the service keeps those per blob).
 */
import hljs from 'highlight.js/lib/core';
import go from 'highlight.js/lib/languages/go';
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { escapeHtml, html, trusted, type SafeHtml } from './html.js';

hljs.registerLanguage('go', go);

const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false });

const ALLOWED_TAGS = [
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'a', 'ul', 'ol', 'li', 'blockquote', 'pre', 'code', 'em', 'strong', 'del', 's',
  'hr', 'br', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'img',
];
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Where a README's link leads: an absolute URL or an anchor as written; a relative one
 * (`docs/usage.md`, `./LICENSE#section`) to the file view of that file in the same version;
 * nowhere (undefined) when it climbs out of the module.
 */
function linkTarget(href: string, fileLink: (name: string) => string): string | undefined {
  if (HAS_SCHEME.test(href) || href.startsWith('#') || href.startsWith('/')) return href;
  const url = new URL(href, 'file:///module/');
  if (!url.pathname.startsWith('/module/') || url.pathname === '/module/') return undefined;
  try {
    return fileLink(decodeURIComponent(url.pathname.slice('/module/'.length))) + url.hash;
  } catch {
    return undefined;
  }
}

function sanitizeOptions(fileLink: (name: string) => string): sanitizeHtml.IOptions {
  return {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: { a: ['href', 'title', 'rel'], img: ['src', 'alt', 'title'], th: ['align'], td: ['align'], code: ['class'] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https', 'data'] },
    allowProtocolRelative: false,
    allowedClasses: { code: [/^language-[\w-]+$/] },
    transformTags: {
      a: (tagName, attribs) => {
        const out: Record<string, string> = { ...attribs, rel: 'nofollow noopener noreferrer' };
        const href = attribs.href === undefined ? undefined : linkTarget(attribs.href, fileLink);
        if (href === undefined) delete out.href;
        else out.href = href;
        return { tagName, attribs: out };
      },
      // The README's headings sit below the page's own.
      h1: 'h3', h2: 'h4', h3: 'h5', h4: 'h6', h5: 'h6',
    },
  };
}

/** Renders per README object (the service keeps one per blob) and per link base (owners may share a blob). */
const renders = new WeakMap<object, Map<string, SafeHtml>>();

/**
 * The README as HTML; relative links lead to the file views of `fileLink` (whose result for ''
 * names the version: the cache key).
 */
export function renderReadme(readme: { text: string; markdown: boolean }, fileLink: (name: string) => string): SafeHtml {
  let byBase = renders.get(readme);
  if (!byBase) renders.set(readme, (byBase = new Map()));
  const base = fileLink('');
  let out = byBase.get(base);
  if (!out) {
    out = readme.markdown
      ? trusted(sanitizeHtml(markdown.render(readme.text), sanitizeOptions(fileLink)))
      : html`<pre class="plain">${readme.text}</pre>`;
    byBase.set(base, out);
  }
  return out;
}

/** A file as lines of code: Go highlighted, anything else escaped; undefined for binary content. */
export function renderCode(name: string, bytes: Buffer): SafeHtml | undefined {
  if (bytes.includes(0)) return undefined;
  const text = bytes.toString('utf8');
  const body = name.endsWith('.go') ? hljs.highlight(text, { language: 'go', ignoreIllegals: true }).value : escapeHtml(text);
  return trusted(body);
}
