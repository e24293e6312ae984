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

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'a', 'ul', 'ol', 'li', 'blockquote', 'pre', 'code', 'em', 'strong', 'del', 's',
    'hr', 'br', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'img',
  ],
  allowedAttributes: { a: ['href', 'title', 'rel'], img: ['src', 'alt', 'title'], th: ['align'], td: ['align'], code: ['class'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https', 'data'] },
  allowProtocolRelative: false,
  allowedClasses: { code: [/^language-[\w-]+$/] },
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow noopener noreferrer' }),
    // The README's headings sit below the page's own.
    h1: 'h3', h2: 'h4', h3: 'h5', h4: 'h6', h5: 'h6',
  },
};

const renders = new WeakMap<object, SafeHtml>();

export function renderReadme(readme: { text: string; markdown: boolean }): SafeHtml {
  let out = renders.get(readme);
  if (!out) {
    out = readme.markdown
      ? trusted(sanitizeHtml(markdown.render(readme.text), SANITIZE))
      : html`<pre class="plain">${readme.text}</pre>`;
    renders.set(readme, out);
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
