/**
 * The web UI's stylesheet and script, read once at start. Their URLs carry a hash of
 * the content, so they are cached for a year and a new release is fetched at once.
 */
import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Assets } from './ui-context.js';
import { securityHeaders } from './ui-context.js';

const STATIC_DIR = new URL('../../web/static/', import.meta.url);
const FILES = { 'ui.css': 'text/css; charset=utf-8', 'ui.js': 'text/javascript; charset=utf-8' } as const;

export function registerStaticRoutes(router: Router): Assets {
  const loaded = Object.entries(FILES).map(([name, type]) => {
    const body = readFileSync(new URL(name, STATIC_DIR));
    return { name, type, body, version: hash('sha256', body, 'hex').slice(0, 16) };
  });
  for (const file of loaded) {
    router.get(`ui-static-${file.name}`, `/ui/static/${file.name}`, (ctx: Context) => {
      securityHeaders(ctx);
      ctx.set('Cache-Control', ctx.query.v === file.version ? 'public, max-age=31536000, immutable' : 'no-cache');
      ctx.set('ETag', `"${file.version}"`);
      ctx.type = file.type;
      if (ctx.fresh) {
        ctx.status = 304;
        return;
      }
      ctx.body = file.body;
    });
  }
  const url = (name: string) => `/ui/static/${name}?v=${loaded.find((f) => f.name === name)!.version}`;
  return { css: url('ui.css'), js: url('ui.js') };
}
