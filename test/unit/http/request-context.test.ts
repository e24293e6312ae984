/** One access-log line per request once it is done, with the request id; lines logged by handlers carry the same id. */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import Koa from 'koa';
import { pino } from 'pino';
import { AccessLog } from '../../../registry/http/access-log.js';
import { requestContext } from '../../../registry/http/request-context.js';
import { eventually } from '../../support/eventually.js';

test('access log and handler logs share the request id; X-Request-Id is echoed or generated', async () => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info', base: { service: 'test' } }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const app = new Koa();
  app.use(requestContext(logger, new AccessLog(logger)));
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

test('the access line comes when the response is done: its ms cover a streamed body, and a cut download says aborted', async () => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const app = new Koa();
  app.use(requestContext(logger, new AccessLog(logger)));
  app.use((ctx) => {
    // A body sent over 200 ms; /endless never ends.
    const body = new PassThrough();
    body.write('first ');
    if (ctx.path === '/slow') setTimeout(() => body.end('last'), 200);
    ctx.body = body;
  });
  const server = http.createServer(app.callback()).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const access = (path: string) => lines.find((l) => l.msg === 'request' && l.path === path);
  try {
    const slow = await fetch(`${url}/slow`);
    assert.equal(access('/slow'), undefined, 'not logged while the body is still being sent');
    assert.equal(await slow.text(), 'first last');
    await eventually('the /slow line', async () => access('/slow'));
    assert.ok((access('/slow')!.ms as number) >= 190, `ms ${access('/slow')!.ms} covers the transfer`);
    assert.equal(access('/slow')!.aborted, undefined);

    const abort = new AbortController();
    const endless = await fetch(`${url}/endless`, { signal: abort.signal });
    await endless.body!.getReader().read();
    abort.abort();
    const line = await eventually('the /endless line', async () => access('/endless'));
    assert.equal(line.aborted, true);
    assert.equal(line.status, 200);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
