/** The web UI's module, file, zip download and version diff routes. */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { notFound } from '../../domain/domain-error.js';
import { NOT_FOUND_MESSAGE } from '../../service/auth-service.js';
import type { ModuleReadService } from '../../service/module-read-service.js';
import type { UiModuleService } from '../../service/ui-module-service.js';
import { diffPage } from '../../web/pages/diff-page.js';
import { filePage } from '../../web/pages/file-page.js';
import { modulePage, type Usage } from '../../web/pages/module-page.js';
import { sendZip } from '../zip-response.js';
import { ownOrigin, securityHeaders, type UiContext } from './ui-context.js';
import { parseModuleLocation, type ModuleLocation } from './ui-paths.js';

const MODULE_PATH = /^\/ui\/modules\/(.+)$/;
const DIFF_PATH = /^\/ui\/diff\/(.+)$/;

export interface ModuleRouteDeps {
  modules: UiModuleService;
  reader: ModuleReadService;
  sumdb: { name: string; verifierKey: string };
}

function located(pattern: RegExp, ctx: Context): ModuleLocation {
  const location = parseModuleLocation(pattern.exec(ctx.path)?.[1] ?? '');
  if (!location) throw notFound(NOT_FOUND_MESSAGE);
  return location;
}

export function registerModuleRoutes(router: Router, ui: UiContext, deps: ModuleRouteDeps): void {
  router.get('ui-module', MODULE_PATH, async (ctx: Context) => {
    const loc = parseModuleLocation(MODULE_PATH.exec(ctx.path)?.[1] ?? '');
    if (loc?.part.kind === 'zip') return downloadZip(ctx, ui, deps, loc);
    await ui.page(ctx, async ({ principal, view }) => {
      const l = located(MODULE_PATH, ctx);
      if (l.part.kind === 'file') return filePage(view, await deps.modules.file(principal, l.owner, l.modulePath, l.version!, l.part.name));
      const usage: Usage = { origin: ownOrigin(ctx), sumdbName: deps.sumdb.name, sumdbKey: deps.sumdb.verifierKey };
      return modulePage(view, await deps.modules.module(principal, l.owner, l.modulePath, l.version), usage);
    });
  });
  router.get('ui-diff', DIFF_PATH, (ctx: Context) =>
    ui.page(ctx, async ({ principal, view }) => {
      const l = located(DIFF_PATH, ctx);
      const from = typeof ctx.query.from === 'string' ? ctx.query.from : '';
      const to = typeof ctx.query.to === 'string' ? ctx.query.to : '';
      if (l.version !== undefined || l.part.kind !== 'page' || !from || !to) throw notFound(NOT_FOUND_MESSAGE);
      return diffPage(view, await deps.modules.diff(principal, l.owner, l.modulePath, from, to));
    }),
  );
}

/** The zip as a download (attachment, application/zip), with the GOPROXY route's ETag, ranges and caching. */
async function downloadZip(ctx: Context, ui: UiContext, deps: ModuleRouteDeps, loc: ModuleLocation): Promise<void> {
  const req = await ui.request(ctx);
  securityHeaders(ctx);
  try {
    const { owner, version } = await deps.modules.zip(req.principal, loc.owner, loc.modulePath, loc.version!);
    ctx.set('Content-Disposition', `attachment; filename="${loc.modulePath.split('/').pop()}@${version.version}.zip"`);
    ctx.set('Vary', 'Cookie');
    await sendZip(ctx, deps.reader, version, owner.visibility);
  } catch (err) {
    if (!(err instanceof Error && err.name === 'DomainError')) throw err;
    await ui.page(ctx, () => Promise.reject(err));
  }
}
