/** Two versions compared: files added, removed or changed in size, and the go.mod's text diff (jsdiff). */
import { diffLines } from 'diff';
import type { DiffPage } from '../../service/ui-module-service.js';
import { formatBytes } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { layout, type ViewContext } from '../layout.js';
import { diffUrl, moduleUrl, ownerUrl } from '../links.js';

function goModDiff(from: string, to: string): SafeHtml {
  if (from === to) return html`<p class="muted">go.mod is the same in both versions.</p>`;
  const lines = diffLines(from, to).flatMap((part) => {
    const kind = part.added ? 'added' : part.removed ? 'removed' : 'same';
    const sign = part.added ? '+' : part.removed ? '-' : ' ';
    return part.value.replace(/\n$/, '').split('\n').map((line) => html`<span class="line ${kind}">${sign} ${line}</span>\n`);
  });
  return html`<pre class="code diff"><code>${lines}</code></pre>`;
}

function fileRows(page: DiffPage): SafeHtml {
  const changed = page.files.filter((f) => f.fromSize !== f.toSize);
  const same = page.files.length - changed.length;
  const status = (f: DiffPage['files'][number]) => (f.fromSize === undefined ? 'added' : f.toSize === undefined ? 'removed' : 'changed');
  return html`${changed.length === 0 ? html`<p class="muted">No file was added, removed or changed in size.</p>` : html`<div class="table-scroll" role="region" aria-label="Changed files" tabindex="0"><table>
    <thead><tr><th scope="col">File</th><th scope="col">Change</th><th scope="col">${page.from}</th><th scope="col">${page.to}</th></tr></thead>
    <tbody>${changed.map((f) => html`<tr><td><code>${f.name}</code></td><td><span class="badge ${status(f)}">${status(f)}</span></td><td>${f.fromSize === undefined ? '—' : formatBytes(f.fromSize)}</td><td>${f.toSize === undefined ? '—' : formatBytes(f.toSize)}</td></tr>`)}</tbody>
  </table></div>`}
  <p class="muted">${same} file${same === 1 ? '' : 's'} of the same size in both (sizes are compared, not contents).</p>`;
}

export function diffPage(view: ViewContext, page: DiffPage): string {
  const options = (selected: string) => page.versions.map((v) => html`<option${v === selected ? html` selected` : ''}>${v}</option>`);
  const body = html`
    <section class="hero">
      <h1 class="path">${page.modulePath}</h1>
      <p>Comparing <a href="${moduleUrl(page.owner.name, page.modulePath, page.from)}">${page.from}</a> with <a href="${moduleUrl(page.owner.name, page.modulePath, page.to)}">${page.to}</a></p>
      <form class="compare" method="get" action="${diffUrl(page.owner.name, page.modulePath)}">
        <label>From <select name="from">${options(page.from)}</select></label>
        <label>to <select name="to">${options(page.to)}</select></label>
        <button type="submit" class="button secondary">Compare</button>
      </form>
    </section>
    <section class="card" aria-labelledby="files-title"><h2 id="files-title">Files</h2>${fileRows(page)}</section>
    <section class="card" aria-labelledby="gomod-title"><h2 id="gomod-title">go.mod</h2>${goModDiff(page.goModFrom, page.goModTo)}</section>`;
  return layout(view, {
    title: `${page.modulePath}: ${page.from} → ${page.to}`,
    crumbs: [
      { label: 'Home', href: '/' },
      { label: page.owner.name, href: ownerUrl(page.owner.name) },
      { label: page.modulePath, href: moduleUrl(page.owner.name, page.modulePath) },
      { label: `${page.from} → ${page.to}` },
    ],
    body,
  });
}
