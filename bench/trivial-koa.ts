/**
 * The framework's ceiling: Koa + @koa/router answering every GOPROXY-shaped GET with a
 * fixed ~60-byte JSON body from memory (no auth, no database, no logging). The
 * benchmark runs it beside nginx: what the registry can reach at best on Koa.
 * Prints `listening <port>` when ready; PORT=0 picks a free one.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';

const body = JSON.stringify({ Version: 'v1.2.0', Time: '2026-01-01T00:00:00Z' });
const app = new Koa();
const router = new Router();
// The registry's own route shape: a regular expression over the GOPROXY prefix.
router.get(/^\/api\/packages\/([^/]+)\/go\/(.+)$/, (ctx) => {
  ctx.type = 'application/json';
  ctx.body = body;
});
app.use(router.routes());
const server = http.createServer(app.callback());
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
