/** An owner: its modules with latest version and last upload, its visibility and claims. */
import type { OwnerPage } from '../../service/ui-catalog-service.js';
import { html } from '../html.js';
import { layout, type ViewContext } from '../layout.js';
import { moduleListing } from './home-page.js';

const VISIBILITY: Record<string, string> = {
  public: 'anyone may read its modules',
  limited: 'any valid registry token may read its modules',
  private: 'only its own read tokens may read its modules',
};

export function ownerPage(view: ViewContext, page: OwnerPage): string {
  const { owner } = page;
  const body = html`
    <section class="hero">
      <h1>${owner.name} <span class="badge ${owner.visibility}">${owner.visibility}</span></h1>
      <p>${VISIBILITY[owner.visibility]}.</p>
    </section>
    <section class="card" aria-labelledby="modules-title">
      <h2 id="modules-title">Modules <span class="count">${page.modules.length}${page.truncated ? '+' : ''}</span></h2>
      ${page.modules.length === 0 ? html`<p class="muted">No modules yet.</p>` : moduleListing(page.modules, false)}
      ${page.truncated ? html`<p class="muted">Only the first ${page.modules.length} are listed: search narrows them down.</p>` : ''}
    </section>
    <section class="card" aria-labelledby="claims-title">
      <h2 id="claims-title">Claims</h2>
      ${owner.claims.length === 0
        ? html`<p class="muted">This owner claims no module-path prefix.</p>`
        : html`<p>Only this owner may publish under these prefixes, and the registry-wide <code>/go</code> endpoint never asks a public proxy about them:</p>
          <ul class="claims">${owner.claims.map((c) => html`<li><code>${c}</code></li>`)}</ul>`}
    </section>`;
  return layout(view, { title: owner.name, crumbs: [{ label: 'Home', href: '/' }, { label: owner.name }], body });
}
