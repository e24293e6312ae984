/**
 * The lean path for warm GOPROXY hits (registry/http/lean-goproxy.ts) against Koa's chain:
 * two registries with the same owners, claims, tokens and modules, one with LEAN_GOPROXY
 * on and one with it off, asked the same requests — hits it answers itself and everything
 * it must hand to Koa (misses, hidden owners, refused credentials, zips, HEAD, the checksum
 * database, paths Koa reads otherwise). Status, headers in order, body, the metrics and the
 * access-log lines must be the same; the lean registry's own count says which requests it
 * answered, so a lean path that handed everything to Koa would fail here.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { createLogger } from '../../registry/logger.js';
import { adminPut, createToken } from '../support/admin-api.js';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry } from '../support/in-process-registry.js';
import { makeModuleZip } from '../support/module-zips.js';
import { tempDir } from '../support/paths.js';

interface Side {
  reg: TestRegistry;
  /** Access-log lines, parsed. */
  lines: Record<string, unknown>[];
  /** Secrets by token name; the same names on both sides, different secrets. */
  tokens: Record<string, string>;
  /** The ETag of one .mod, for the conditional requests. */
  modEtag?: string;
}

interface Answer {
  status: number;
  /** Header names and values in the order sent, without the ones that differ by nature. */
  headers: string[];
  requestId: string | undefined;
  body: string;
}

const sides: Record<'lean' | 'koa', Side> = {} as never;
let removeDir: () => Promise<void>;
const started: TestRegistry[] = [];

function capturingLogger(lines: Record<string, unknown>[]) {
  let pending = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      pending += chunk.toString('utf8');
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        lines.push(JSON.parse(pending.slice(0, nl)) as Record<string, unknown>);
        pending = pending.slice(nl + 1);
      }
      done();
    },
  });
  return createLogger('info', sink);
}

async function prepare(lean: boolean, dir: string): Promise<Side> {
  const lines: Record<string, unknown>[] = [];
  const reg = await startTestRegistry({ LEAN_GOPROXY: String(lean) }, { logger: capturingLogger(lines) });
  started.push(reg);
  await adminPut(reg.url, ADMIN_TOKEN, '/owners/pub', { visibility: 'public', claims: ['example.com/pub'] });
  await adminPut(reg.url, ADMIN_TOKEN, '/owners/priv', { visibility: 'private' });
  await adminPut(reg.url, ADMIN_TOKEN, '/owners/other', { visibility: 'public' });
  const tokens = {
    privRead: await createToken(reg.url, ADMIN_TOKEN, 'priv', 'reader', ['read']),
    otherRead: await createToken(reg.url, ADMIN_TOKEN, 'other', 'reader', ['read']),
  };
  const uploads: [string, string, string][] = [
    ['pub', 'example.com/pub/lib', 'v1.0.0'],
    ['pub', 'example.com/pub/lib', 'v1.1.0'],
    ['pub', 'example.com/pub/Upper', 'v0.1.0'],
    ['priv', 'corp.example/secret', 'v1.0.0'],
    ['other', 'example.org/other', 'v2.0.0+incompatible'],
  ];
  for (const [owner, modulePath, version] of uploads) {
    const files: Record<string, string> = version.endsWith('+incompatible') ? { 'lib.go': 'package lib\n' } : { 'go.mod': `module ${modulePath}\n\ngo 1.21\n`, 'lib.go': 'package lib\n' };
    const zip = await readFile(await makeModuleZip(dir, modulePath, version, files));
    const res = await fetch(`${reg.url}/api/packages/${owner}/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.status, 201, await res.text());
  }
  return { reg, lines, tokens };
}

before(async () => {
  const { dir, remove } = await tempDir('lean-goproxy');
  removeDir = remove;
  sides.lean = await prepare(true, dir);
  sides.koa = await prepare(false, dir);
});

after(async () => {
  for (const reg of started) await reg.stop();
  await removeDir?.();
});

/** Headers that differ between any two answers (or registries) by nature; Last-Modified is each registry's upload time. */
const VARYING = new Set(['date', 'x-request-id', 'last-modified']);

function ask(side: Side, method: string, target: string, headers: Record<string, string>): Promise<Answer> {
  const url = new URL(side.reg.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path: target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const named: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (!VARYING.has(res.rawHeaders[i]!.toLowerCase())) named.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        }
        // Each registry published the versions at its own time.
        const body = Buffer.concat(chunks).toString('utf8').replace(/"Time":"[^"]+"/, '"Time":"(published)"');
        resolve({ status: res.statusCode!, headers: named, requestId: res.headers['x-request-id'] as string | undefined, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

interface Case {
  name: string;
  method?: string;
  target: string;
  headers?: (side: Side) => Record<string, string>;
  status: number;
  /** Answered by the lean path itself (the others go to Koa). */
  lean: boolean;
}

const basic = (secret: string) => `Basic ${Buffer.from(`go:${secret}`).toString('base64')}`;
const PUB = '/api/packages/pub/go/example.com/pub/lib';
const PRIV = '/api/packages/priv/go/corp.example/secret';

const cases: Case[] = [
  { name: 'public .info', target: `${PUB}/@v/v1.0.0.info`, status: 200, lean: true },
  { name: 'public .mod', target: `${PUB}/@v/v1.1.0.mod`, status: 200, lean: true },
  { name: 'public list', target: `${PUB}/@v/list`, status: 200, lean: true },
  { name: 'public latest', target: `${PUB}/@latest`, status: 200, lean: true },
  { name: 'a query string', target: `${PUB}/@v/v1.0.0.info?go-get=1`, status: 200, lean: true },
  { name: 'a case-encoded path', target: '/api/packages/pub/go/example.com/pub/!upper/@v/v0.1.0.info', status: 200, lean: true },
  { name: 'a +incompatible version', target: '/api/packages/other/go/example.org/other/@v/v2.0.0+incompatible.mod', status: 200, lean: true },
  { name: 'the registry-wide endpoint, claimed path', target: '/go/example.com/pub/lib/@v/v1.1.0.info', status: 200, lean: true },
  { name: 'a sane request id is kept', target: `${PUB}/@v/v1.0.0.info`, headers: () => ({ 'X-Request-Id': 'build-42.step:7' }), status: 200, lean: true },
  { name: 'an insane request id is replaced', target: `${PUB}/@v/v1.0.0.info`, headers: () => ({ 'X-Request-Id': 'a b' }), status: 200, lean: true },
  { name: 'If-None-Match of the .mod', target: `${PUB}/@v/v1.1.0.mod`, headers: (s) => ({ 'If-None-Match': s.modEtag! }), status: 304, lean: true },
  { name: 'If-None-Match weak, in a list', target: `${PUB}/@v/v1.1.0.mod`, headers: (s) => ({ 'If-None-Match': `"nope", W/${s.modEtag!}` }), status: 304, lean: true },
  { name: 'If-None-Match *', target: `${PUB}/@v/v1.1.0.mod`, headers: () => ({ 'If-None-Match': '*' }), status: 304, lean: true },
  { name: 'If-None-Match of another', target: `${PUB}/@v/v1.1.0.mod`, headers: () => ({ 'If-None-Match': '"other"' }), status: 200, lean: true },
  { name: 'private, its read token (Basic)', target: `${PRIV}/@v/v1.0.0.info`, headers: (s) => ({ Authorization: basic(s.tokens.privRead!) }), status: 200, lean: true },
  { name: 'private, its read token (Bearer)', target: `${PRIV}/@v/list`, headers: (s) => ({ Authorization: `Bearer ${s.tokens.privRead!}` }), status: 200, lean: true },
  { name: 'private, the admin token', target: `${PRIV}/@latest`, headers: () => ({ Authorization: `Bearer ${ADMIN_TOKEN}` }), status: 200, lean: true },
  { name: 'private, anonymous', target: `${PRIV}/@v/v1.0.0.info`, status: 404, lean: false },
  { name: 'private, another owner\'s token', target: `${PRIV}/@v/v1.0.0.info`, headers: (s) => ({ Authorization: basic(s.tokens.otherRead!) }), status: 404, lean: false },
  { name: 'a wrong token', target: `${PUB}/@v/v1.0.0.info`, headers: () => ({ Authorization: 'Bearer gor_wrongwrongwrongwrongwrongwrongwrongwrongwro' }), status: 401, lean: false },
  { name: 'a missing version, claimed path', target: `${PUB}/@v/v9.9.9.info`, status: 403, lean: false },
  { name: 'a missing version', target: '/api/packages/other/go/example.org/other/@v/v9.9.9.mod', status: 404, lean: false },
  { name: 'a missing module', target: '/api/packages/pub/go/example.com/pub/nothing/@v/list', status: 403, lean: false },
  { name: 'a missing owner', target: '/api/packages/nobody/go/example.com/x/@v/list', status: 404, lean: false },
  { name: 'an invalid owner name', target: '/api/packages/No_Body/go/example.com/x/@v/list', status: 404, lean: false },
  { name: 'an invalid module path', target: '/api/packages/pub/go/nodot/@v/list', status: 404, lean: false },
  { name: 'the registry-wide endpoint, unclaimed path', target: '/go/example.net/free/@v/list', status: 404, lean: false },
  { name: 'a zip', target: `${PUB}/@v/v1.0.0.zip`, status: 200, lean: false },
  { name: 'HEAD of a .info', method: 'HEAD', target: `${PUB}/@v/v1.0.0.info`, status: 200, lean: false },
  { name: 'a percent-encoded path', target: '/api/packages/pub/go/example.com/pub/%6cib/@v/v1.0.0.info', status: 200, lean: false },
  { name: 'the checksum database under /go', target: '/go/sumdb/sum.golang.org/supported', status: 200, lean: false },
  { name: 'not a GOPROXY file', target: `${PUB}/@v/v1.0.0.txt`, status: 404, lean: false },
];

const metricsOf = async (side: Side) => {
  const text = await (await fetch(`${side.reg.url}/metrics`)).text();
  const series = /^(http_request_duration_seconds_count|goregistry_downloads_total|goregistry_served_bytes_total|goregistry_authentications_total|goregistry_auth_failures_total)[{ ]/;
  return { compared: text.split('\n').filter((l) => series.test(l)), lean: Number(/^goregistry_http_lean_responses_total (\d+)/m.exec(text)?.[1] ?? 0) };
};

test('the lean path answers warm hits exactly as Koa does, and hands everything else to Koa', async () => {
  for (const side of Object.values(sides)) {
    side.modEtag = (await ask(side, 'GET', `${PUB}/@v/v1.1.0.mod`, {})).headers.find((h) => h.startsWith('ETag: '))!.slice('ETag: '.length);
    side.lines.length = 0;
  }
  const before = { lean: await metricsOf(sides.lean), koa: await metricsOf(sides.koa) };
  for (const c of cases) {
    const [lean, koa] = await Promise.all(
      [sides.lean, sides.koa].map((side) => ask(side, c.method ?? 'GET', c.target, c.headers?.(side) ?? {})),
    );
    assert.equal(koa!.status, c.status, `${c.name}: Koa's status`);
    assert.deepEqual({ ...lean, requestId: undefined }, { ...koa, requestId: undefined }, c.name);
    const sent = c.headers?.(sides.lean)['X-Request-Id'];
    if (sent === 'build-42.step:7') assert.equal(lean!.requestId, sent, `${c.name}: the request id`);
    else assert.match(lean!.requestId ?? '', /^[0-9a-f-]{36}$/, `${c.name}: a new request id`);
  }
  const leanAnswers = cases.filter((c) => c.lean).length;
  const afterwards = { lean: await metricsOf(sides.lean), koa: await metricsOf(sides.koa) };
  assert.equal(afterwards.lean.lean - before.lean.lean, leanAnswers, 'answers the lean path wrote');
  assert.equal(afterwards.koa.lean, 0, 'none with LEAN_GOPROXY=false');
  assert.deepEqual(afterwards.lean.compared, afterwards.koa.compared, 'the same metrics');

  // The access log: one line per request, the same on both (but the time and request ids made up).
  const comparable = (side: Side) =>
    side.lines.filter((l) => l.msg === 'request' && !String(l.path).endsWith('/metrics')).map(({ time, ms, reqId, ...rest }) => {
      assert.equal(typeof ms, 'number');
      assert.equal(typeof time, 'number');
      return { ...rest, reqId: reqId === 'build-42.step:7' ? reqId : typeof reqId };
    });
  assert.equal(comparable(sides.lean).length, cases.length);
  assert.deepEqual(comparable(sides.lean), comparable(sides.koa));
  // The id a client was given is the one its line carries.
  assert.ok(sides.lean.lines.some((l) => l.reqId === 'build-42.step:7' && l.status === 200));
});
