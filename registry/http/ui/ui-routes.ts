/** Registers the web UI: static files, sign-in, home and search, owners, modules. */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { notFound } from '../../domain/domain-error.js';
import { NOT_FOUND_MESSAGE } from '../../service/auth-service.js';
import type { ModuleReadService } from '../../service/module-read-service.js';
import type { UiCatalogService } from '../../service/ui-catalog-service.js';
import type { UiModuleService } from '../../service/ui-module-service.js';
import type { UiSessionService } from '../../service/ui-session-service.js';
import { registerCatalogRoutes } from './catalog-routes.js';
import { registerModuleRoutes } from './module-routes.js';
import { registerSessionRoutes } from './session-routes.js';
import { registerStaticRoutes } from './static-routes.js';
import { UiContext } from './ui-context.js';

export interface UiDeps {
  catalog: UiCatalogService;
  modules: UiModuleService;
  sessions: UiSessionService;
  reader: ModuleReadService;
  sumdb: { name: string; verifierKey: string };
}

export function registerUiRoutes(router: Router, deps: UiDeps): void {
  const ui = new UiContext(deps.sessions, registerStaticRoutes(router));
  registerSessionRoutes(router, ui);
  registerCatalogRoutes(router, ui, deps.catalog);
  registerModuleRoutes(router, ui, { modules: deps.modules, reader: deps.reader, sumdb: deps.sumdb });
  // Any other page under /ui/: the UI's own 404 page (registered last, so only when nothing above answered).
  router.get('ui-not-found', /^\/ui(\/.*)?$/, (ctx: Context) => ui.page(ctx, () => Promise.reject(notFound(NOT_FOUND_MESSAGE))));
}
