/** /metrics on its own port (METRICS_PORT), so it can stay off the public Service. */
import http from 'node:http';
import Koa from 'koa';
import { serveMetrics, type MetricsExposition } from './metrics-middleware.js';

export async function listenMetrics(exposition: MetricsExposition, port: number, host: string): Promise<http.Server> {
  const app = new Koa();
  const serve = serveMetrics(exposition);
  app.use(async (ctx) => {
    if (ctx.path === '/metrics') return serve(ctx);
    ctx.status = 404;
    ctx.body = 'not found\n';
  });
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}
