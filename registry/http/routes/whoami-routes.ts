/** GET /api/v1/whoami — who the presented credential is, for the CLI's login and whoami. */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AuthService } from '../../service/auth-service.js';
import { principalOf } from '../credentials.js';

export function registerWhoamiRoutes(router: Router, auth: AuthService): void {
  router.get('/api/v1/whoami', (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = auth.whoami(principalOf(ctx));
  });
}
