/** Home: search by module path, the owners the visitor may see, recent uploads. */
import type { HomePage, ModuleListing } from '../../service/ui-catalog-service.js';
import { formatTime } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { layout, type ViewContext } from '../layout.js';
import { moduleUrl, ownerUrl } from '../links.js';

export function moduleListing(modules: ModuleListing[], withOwner: boolean): SafeHtml {
  return html`<ul class="listing">${modules.map(
    (m) => html`<li>
      <a class="path" href="${moduleUrl(m.owner, m.modulePath)}">${m.modulePath}</a>
      ${m.latest ? html`<span class="badge">${m.latest}</span>` : ''}
      <span class="meta">${withOwner ? html`<a href="${ownerUrl(m.owner)}">${m.owner}</a> · ` : ''}${m.versionCount} version${m.versionCount === 1 ? '' : 's'} · last upload <time datetime="${m.lastUploadAt.toISOString()}">${formatTime(m.lastUploadAt)}</time></span>
    </li>`,
  )}</ul>`;
}

function results(query: string, found: ModuleListing[]): SafeHtml {
  return html`<section class="card" aria-labelledby="results-title">
    <h2 id="results-title">Modules matching “${query}”</h2>
    ${found.length === 0 ? html`<p class="muted">No module you may see has a path with “${query}” in it.</p>` : moduleListing(found, true)}
  </section>`;
}

export function homePage(view: ViewContext, page: HomePage, search: { query: string; found: ModuleListing[] } | undefined): string {
  const body = html`
    <section class="hero">
      <h1>Go modules on this registry</h1>
      <p>Find a module by its path, see its versions, README and files, and how to use it with <code>go get</code>.
      ${view.signedIn ? '' : html`<a href="/ui/sign-in">Sign in</a> with a registry token to see private modules.`}</p>
    </section>
    ${search ? results(search.query, search.found) : ''}
    <div class="columns">
      <section class="card" aria-labelledby="owners-title">
        <h2 id="owners-title">Owners <span class="count">${page.owners.length}</span></h2>
        ${page.owners.length === 0
          ? html`<p class="muted">No owner you may see.</p>`
          : html`<ul class="owners">${page.owners.map((o) => html`<li><a href="${ownerUrl(o.name)}">${o.name}</a> <span class="badge ${o.visibility}">${o.visibility}</span></li>`)}</ul>`}
      </section>
      <section class="card" aria-labelledby="recent-title">
        <h2 id="recent-title">Recent uploads</h2>
        ${page.recent.length === 0
          ? html`<p class="muted">Nothing uploaded yet that you may see.</p>`
          : html`<ul class="listing">${page.recent.map((r) => html`<li>
              <a class="path" href="${moduleUrl(r.owner, r.modulePath, r.version)}">${r.modulePath}</a> <span class="badge">${r.version}</span>
              <span class="meta"><a href="${ownerUrl(r.owner)}">${r.owner}</a> · <time datetime="${r.createdAt.toISOString()}">${formatTime(r.createdAt)}</time></span>
            </li>`)}</ul>`}
      </section>
    </div>`;
  return layout(view, { title: search ? `Search: ${search.query}` : 'Home', body });
}
