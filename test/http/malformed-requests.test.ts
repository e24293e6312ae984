/**
 * Requests Node's HTTP parser refuses before the app sees them, found by the HTTP fuzz
 * test (test/fuzz/http.test.ts): they were answered with a bare "400 Bad Request" and no
 * body. Every one now gets a 4xx with a text/plain message naming the problem.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useTestRegistry } from '../support/in-process-registry.js';
import { rawRequest, type RawRequest } from '../support/raw-http.js';

const fixture = useTestRegistry('malformed', { owners: ['acme'] });

async function expectTextError(request: RawRequest, status: number, pattern: RegExp) {
  const res = await rawRequest(Number(new URL(fixture.reg.url).port), request);
  assert.equal(res.status, status, res.body.toString());
  assert.match(res.headers['content-type'] ?? '', /^text\/plain/);
  assert.match(res.body.toString(), pattern);
}

test('a NUL in a header value', async () => {
  await expectTextError({ method: 'GET', target: '/healthz', headers: [Buffer.from('Authorization: Bearer a\0b')] }, 400, /malformed HTTP request: .+/);
});

test('a header name with a space, and a bare LF in a value', async () => {
  await expectTextError({ method: 'GET', target: '/healthz', headers: ['Bad Name: x'] }, 400, /malformed HTTP request/);
  await expectTextError({ method: 'GET', target: '/healthz', headers: ['X-A: 1\nX-B: 2'] }, 400, /malformed HTTP request/);
});

test('headers over 16 KiB', async () => {
  await expectTextError({ method: 'GET', target: '/healthz', headers: [`Authorization: Bearer ${'x'.repeat(20000)}`] }, 431, /request headers too large/);
});

test('a request target with a space or a control byte', async () => {
  await expectTextError({ method: 'GET', target: Buffer.from('/api/packages/acme/go/a\x01b/@v/list') }, 400, /malformed HTTP request/);
});

test('CONNECT, which Node answers by closing the connection', async () => {
  await expectTextError({ method: 'CONNECT', target: '127.0.0.1:443' }, 405, /CONNECT not allowed/);
  await expectTextError({ method: 'CONNECT', target: '/api/packages/acme/go/example.com/m/@v/list' }, 405, /CONNECT not allowed/);
});

test('a method no route has, and one the router does not know, are 405 with a message', async () => {
  const port = Number(new URL(fixture.reg.url).port);
  for (const method of ['TRACE', 'PATCH', 'POST']) {
    const res = await rawRequest(port, { method, target: '/api/packages/acme/go/example.com/m/@v/list' });
    assert.equal(res.status, 405, `${method}: ${res.body}`);
    assert.match(res.headers['content-type'] ?? '', /^text\/plain/);
    assert.match(res.body.toString(), new RegExp(`method ${method} not allowed: this path allows .*GET`));
  }
});
