/** One access-log line per request, with the request id; lines logged by handlers carry the same id. */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import Koa from 'koa';
import { pino } from 'pino';
import { requestContext } from '../../../registry/http/request-context.js';

test('access log and handler logs share the request id; X-Request-Id is echoed or generated', async () => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info', base: { service: 'test' } }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const app = new Koa();
  app.use(requestContext(logger));
  app.use((ctx) => {
    if (ctx.path === '/logs') ctx.state.log.warn({ detail: 1 }, 'handler says');
    ctx.body = 'ok';
  });
  const server = http.createServer(app.callback()).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const given = await fetch(`${url}/plain`, { headers: { 'X-Request-Id': 'given-id.1' } });
    assert.equal(given.headers.get('x-request-id'), 'given-id.1');
    const generated = await fetch(`${url}/logs`, { headers: { 'X-Request-Id': 'not sane!' } });
    const id = generated.headers.get('x-request-id')!;
    assert.match(id, /^[0-9a-f-]{36}$/);
    await given.text();
    await generated.text();
    const access = lines.filter((l) => l.msg === 'request');
    assert.deepEqual(
      access.map(({ reqId, method, path, status, service }) => ({ reqId, method, path, status, service })),
      [
        { reqId: 'given-id.1', method: 'GET', path: '/plain', status: 200, service: 'test' },
        { reqId: id, method: 'GET', path: '/logs', status: 200, service: 'test' },
      ],
    );
    assert.equal(typeof access[0]!.ms, 'number');
    const handler = lines.find((l) => l.msg === 'handler says');
    assert.equal(handler?.reqId, id);
    assert.equal(handler?.detail, 1);
  } finally {
    server.close();
  }
});
