/** The web UI's home (with search), search-as-you-type JSON and owner pages. */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { checkOwnerName } from '../../domain/owner-name.js';
import { notFound } from '../../domain/domain-error.js';
import { NOT_FOUND_MESSAGE } from '../../service/auth-service.js';
import type { UiCatalogService } from '../../service/ui-catalog-service.js';
import { moduleUrl, SEARCH_URL } from '../../web/links.js';
import { homePage } from '../../web/pages/home-page.js';
import { ownerPage } from '../../web/pages/owner-page.js';
import { securityHeaders, type UiContext } from './ui-context.js';
import { decode } from './ui-paths.js';

const OWNER_PATH = /^\/ui\/owners\/([^/]+)\/?$/;

const queryOf = (ctx: Context) => (typeof ctx.query.q === 'string' ? ctx.query.q : '');

export function registerCatalogRoutes(router: Router, ui: UiContext, catalog: UiCatalogService): void {
  router.get('ui-home', '/', (ctx: Context) =>
    ui.page(ctx, async ({ principal, view }) => {
      const query = queryOf(ctx).trim();
      const found = query ? await catalog.search(principal, query) : undefined;
      return homePage(view, await catalog.home(principal), found && { query, found });
    }),
  );
  router.get('ui-search', SEARCH_URL, async (ctx: Context) => {
    securityHeaders(ctx);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Vary', 'Cookie');
    const { principal } = await ui.request(ctx);
    const found = await catalog.search(principal, queryOf(ctx));
    ctx.body = found.map((m) => ({ owner: m.owner, modulePath: m.modulePath, latest: m.latest ?? null, url: moduleUrl(m.owner, m.modulePath) }));
  });
  router.get('ui-owner', OWNER_PATH, (ctx: Context) =>
    ui.page(ctx, async ({ principal, view }) => {
      const name = decode(OWNER_PATH.exec(ctx.path)?.[1] ?? '');
      if (name === undefined || checkOwnerName(name)) throw notFound(NOT_FOUND_MESSAGE);
      return ownerPage(view, await catalog.owner(principal, name));
    }),
  );
}
