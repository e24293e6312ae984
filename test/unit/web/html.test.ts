/** The web UI's template escapes every value; module content made safe stays safe. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { html, trusted } from '../../../registry/web/html.js';
import { renderCode, renderReadme } from '../../../registry/web/module-content.js';

test('interpolations are escaped, SafeHtml and lists are not escaped twice', () => {
  const evil = `"><script>alert('x')</script>&`;
  assert.equal(html`<a title="${evil}">${evil}</a>`.value, '<a title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</a>');
  assert.equal(html`<ul>${['<a>', html`<li>${'<b>'}</li>`]}</ul>`.value, '<ul>&lt;a&gt;<li>&lt;b&gt;</li></ul>');
  assert.equal(html`${undefined}${null}${false}${0}${trusted('<hr>')}`.value, '0<hr>');
});

test('a README keeps its Markdown and loses every script, handler and dangerous URL', () => {
  const out = renderReadme(readmeOf('# T\n\n<script>x()</script>\n\n<img src=x onerror=alert(1)>\n\n[a](javascript:alert(1)) [b](https://example.com "t") ![i](data:image/png;base64,AA==)\n\n<a href="https://x" onclick="y()">raw</a>\n'), files).value;
  assert.match(out, /<h3>T<\/h3>/);
  assert.match(out, /<a href="https:\/\/example.com" title="t" rel="nofollow noopener noreferrer">b<\/a>/);
  assert.doesNotMatch(out, /<script|<[^>]*\son\w+=|href="javascript:/i, 'no script, no handler attribute, no javascript: link');
  assert.match(out, /&lt;script&gt;/, 'raw HTML is shown as text (markdown-it html: false)');
});

const readmeOf = (text: string) => ({ markdown: true, text });
const files = (name: string) => `/ui/modules/acme/example.com/m@v1.0.0/files/${name}`;

test('relative links lead to the file views of the same version; others stay, escapes out of the module drop', () => {
  const out = renderReadme(readmeOf('[u](docs/usage.md#top) [l](./LICENSE) [up](../../etc/passwd) [a](#anchor) [h](https://go.dev) [r](/root)'), files).value;
  assert.match(out, /href="\/ui\/modules\/acme\/example.com\/m@v1.0.0\/files\/docs\/usage.md#top"/);
  assert.match(out, /href="\/ui\/modules\/acme\/example.com\/m@v1.0.0\/files\/LICENSE"/);
  assert.match(out, /<a rel="nofollow noopener noreferrer">up<\/a>/, 'a link out of the module loses its href');
  assert.match(out, /href="#anchor"/);
  assert.match(out, /href="https:\/\/go.dev"/);
  // The same README under another owner (a shared blob) links to that owner's pages.
  const other = renderReadme(readmeOf('[u](docs/usage.md#top)'), (n) => `/ui/modules/other/example.com/m@v1.0.0/files/${n}`).value;
  assert.match(other, /\/ui\/modules\/other\//);
});

test('code views escape, Go is highlighted, binary is refused', () => {
  assert.equal(renderCode('a.txt', Buffer.from('<b>&</b>'))!.value, '&lt;b&gt;&amp;&lt;/b&gt;');
  const go = renderCode('a.go', Buffer.from('package a // <script>\n'))!.value;
  assert.match(go, /<span class="hljs-keyword">package<\/span>/);
  assert.doesNotMatch(go, /<script>/);
  assert.equal(renderCode('a.bin', Buffer.from([1, 0, 2])), undefined);
});
