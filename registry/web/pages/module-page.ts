/**
 * A module version: marks (latest, retracted, deprecated), how to use it, its versions
 * with the go.sum lines, go.mod with linked requirements, README, files, zip, compare.
 */
import type { ModulePage, VersionRow } from '../../service/ui-module-service.js';
import { formatBytes, formatTime } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { layout, type ViewContext } from '../layout.js';
import { diffUrl, fileUrl, moduleUrl, ownerUrl, zipUrl } from '../links.js';
import { renderReadme } from '../module-content.js';

/** Where go reaches this registry, for the settings to copy. */
export interface Usage {
  origin: string;
  sumdbName: string;
  sumdbKey: string;
}

function marks(page: ModulePage, row: VersionRow): SafeHtml {
  return html`${row.version === page.latest ? html`<span class="badge latest">latest</span>` : ''}${row.retracted !== undefined ? html`<span class="badge retracted" title="${row.retracted}">retracted</span>` : ''}`;
}

function usage(page: ModulePage, u: Usage): SafeHtml {
  const v = page.shown.version;
  const proxy = `${u.origin}/api/packages/${page.owner.name}/go`;
  const env = `export GOPROXY=${proxy}\nexport GOSUMDB="${u.sumdbKey} ${u.origin}/sumdb/${u.sumdbName}"`;
  const host = new URL(u.origin).host;
  return html`<section class="card" aria-labelledby="use-title">
    <h2 id="use-title">Use it</h2>
    <pre class="copyable" data-copy><code>go get ${page.modulePath}@${v}</code></pre>
    <p>Settings for this owner, with the registry's own checksum database (it holds this module):</p>
    <pre class="copyable" data-copy><code>${env}</code></pre>
    <p class="muted">Or keep Go's default checksum database and leave this module out of it: <code>GONOSUMDB=${page.modulePath}</code>.
    ${page.owner.visibility === 'public' ? '' : html`go sends credentials only over HTTPS, from <code>~/.netrc</code>: <code>machine ${host} login go password &lt;token&gt;</code>.`}</p>
  </section>`;
}

function versions(page: ModulePage): SafeHtml {
  return html`<section class="card" aria-labelledby="versions-title">
    <h2 id="versions-title">Versions <span class="count">${page.versions.length}</span></h2>
    <div class="table-scroll" role="region" aria-label="Versions" tabindex="0"><table>
      <thead><tr><th scope="col">Version</th><th scope="col">Uploaded</th><th scope="col">Size</th><th scope="col">go.sum</th></tr></thead>
      <tbody>${page.versions.map((r) => html`<tr${r.version === page.shown.version ? html` class="current"` : ''}>
        <td><a href="${moduleUrl(page.owner.name, page.modulePath, r.version)}"${r.version === page.shown.version ? html` aria-current="page"` : ''}>${r.version}</a> ${marks(page, r)}
          ${r.retracted ? html`<div class="muted small">${r.retracted}</div>` : ''}</td>
        <td><time datetime="${r.createdAt.toISOString()}">${formatTime(r.createdAt)}</time></td>
        <td>${formatBytes(r.zipSize)}</td>
        <td><pre class="gosum copyable" data-copy><code>${page.modulePath} ${r.version} ${r.zipHash}\n${page.modulePath} ${r.version}/go.mod ${r.goModHash}</code></pre></td>
      </tr>`)}</tbody>
    </table></div>
    ${page.versions.length > 1 ? compareForm(page) : ''}
  </section>`;
}

function compareForm(page: ModulePage): SafeHtml {
  const options = (selected: string) => page.versions.map((r) => html`<option${r.version === selected ? html` selected` : ''}>${r.version}</option>`);
  const previous = page.versions[page.versions.findIndex((r) => r.version === page.shown.version) + 1]?.version ?? page.versions.at(-1)!.version;
  return html`<form class="compare" method="get" action="${diffUrl(page.owner.name, page.modulePath)}">
    <label>From <select name="from">${options(previous)}</select></label>
    <label>to <select name="to">${options(page.shown.version)}</select></label>
    <button type="submit" class="button secondary">Compare versions</button>
  </form>`;
}

function goMod(page: ModulePage): SafeHtml {
  const requires = page.requires.length === 0 ? html`<p class="muted">No requirements.</p>` : html`<ul class="requires">${page.requires.map((r) => html`<li>
      ${r.hostedBy ? html`<a href="${moduleUrl(r.hostedBy, r.path, r.version)}">${r.path}</a>` : html`<span>${r.path}</span>`} <span class="badge">${r.version}</span>${r.indirect ? html` <span class="muted small">indirect</span>` : ''}${r.hostedBy ? html` <span class="muted small">on this registry (${r.hostedBy})</span>` : ''}
    </li>`)}</ul>`;
  return html`<section class="card" aria-labelledby="gomod-title">
    <h2 id="gomod-title">go.mod</h2>
    <h3 class="sub">Requirements</h3>
    ${requires}
    <details><summary>The go.mod file</summary><pre class="code"><code>${page.goMod}</code></pre></details>
  </section>`;
}

function files(page: ModulePage): SafeHtml {
  const v = page.shown.version;
  return html`<section class="card" aria-labelledby="files-title">
    <h2 id="files-title">Files <span class="count">${page.files.length}</span></h2>
    <p><a class="button secondary" href="${zipUrl(page.owner.name, page.modulePath, v)}" download>Download ${page.modulePath.split('/').pop()}@${v}.zip</a> <span class="muted">${formatBytes(page.shown.zipSize)}</span></p>
    <ul class="tree">${page.files.map((f) => {
      const depth = f.name.split('/').length - 1;
      return html`<li class="depth-${Math.min(depth, 6)}"><a href="${fileUrl(page.owner.name, page.modulePath, v, f.name)}">${f.name}</a> <span class="muted small">${formatBytes(f.size)}</span></li>`;
    })}</ul>
  </section>`;
}

export function modulePage(view: ViewContext, page: ModulePage, u: Usage): string {
  // Not in the rows only when an upload raced this page's reads.
  const shownRow = page.versions.find((r) => r.version === page.shown.version) ?? { ...page.shown, retracted: undefined };
  const body = html`
    <section class="hero">
      <h1 class="path">${page.modulePath}</h1>
      <p class="marks"><span class="badge">${page.shown.version}</span>${marks(page, shownRow)}${page.deprecated !== undefined ? html`<span class="badge deprecated">deprecated</span>` : ''}
        <span class="meta">by <a href="${ownerUrl(page.owner.name)}">${page.owner.name}</a> · uploaded <time datetime="${page.shown.createdAt.toISOString()}">${formatTime(page.shown.createdAt)}</time></span></p>
      ${page.deprecated !== undefined ? html`<p class="notice warn" role="note"><strong>Deprecated.</strong> ${page.deprecated || 'The latest go.mod marks this module deprecated.'}</p>` : ''}
      ${shownRow.retracted !== undefined ? html`<p class="notice warn" role="note"><strong>Retracted.</strong> ${shownRow.retracted || 'The latest go.mod retracts this version.'} <code>go get ${page.modulePath}@latest</code> picks ${page.latest}.</p>` : ''}
    </section>
    ${usage(page, u)}
    <div class="columns wide-left">
      <div>
        <section class="card readme" aria-labelledby="readme-title">
          <h2 id="readme-title">${page.readme ? page.readme.name : 'README'}</h2>
          ${page.readme ? renderReadme(page.readme, (name) => fileUrl(page.owner.name, page.modulePath, page.shown.version, name)) : html`<p class="muted">This version has no README.</p>`}
        </section>
        ${versions(page)}
      </div>
      <div>${goMod(page)}${files(page)}</div>
    </div>`;
  return layout(view, {
    title: `${page.modulePath}@${page.shown.version}`,
    crumbs: [{ label: 'Home', href: '/' }, { label: page.owner.name, href: ownerUrl(page.owner.name) }, { label: page.modulePath }],
    body,
  });
}
