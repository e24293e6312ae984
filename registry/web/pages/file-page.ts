/** One file of a module version: escaped text (Go highlighted), with line numbers; too large or binary: a note. */
import type { FileView } from '../../service/ui-module-service.js';
import { FILE_VIEW_MAX } from '../../service/ui-module-service.js';
import { formatBytes } from '../format.js';
import { html } from '../html.js';
import { layout, type ViewContext } from '../layout.js';
import { moduleUrl, ownerUrl, zipUrl } from '../links.js';
import { renderCode } from '../module-content.js';

export function filePage(view: ViewContext, file: FileView): string {
  const code = file.bytes && renderCode(file.name, file.bytes);
  const zip = html`<a href="${zipUrl(file.owner.name, file.modulePath, file.version)}" download>the zip</a>`;
  const lines = file.bytes ? file.bytes.toString('utf8').replace(/\n$/, '').split('\n').length : 0;
  const gutter = Array.from({ length: lines }, (_, i) => i + 1).join('\n');
  const content = code
    ? html`<div class="table-scroll code-view" role="region" aria-label="${file.name}" tabindex="0"><pre class="gutter" aria-hidden="true">${gutter}</pre><pre class="code${file.name.endsWith('.go') ? ' hljs' : ''}"><code>${code}</code></pre></div>`
    : html`<p class="notice">${file.bytes ? 'This file is not text.' : `This file is larger than ${formatBytes(FILE_VIEW_MAX)}, the most a page shows.`} It is in ${zip}.</p>`;
  const body = html`
    <section class="hero">
      <h1 class="path">${file.name}</h1>
      <p class="meta">${formatBytes(file.size)} · in <a href="${moduleUrl(file.owner.name, file.modulePath, file.version)}">${file.modulePath}@${file.version}</a></p>
    </section>
    <section class="card">${content}</section>`;
  return layout(view, {
    title: `${file.name} · ${file.modulePath}@${file.version}`,
    crumbs: [
      { label: 'Home', href: '/' },
      { label: file.owner.name, href: ownerUrl(file.owner.name) },
      { label: `${file.modulePath}@${file.version}`, href: moduleUrl(file.owner.name, file.modulePath, file.version) },
      { label: file.name },
    ],
    body,
  });
}
