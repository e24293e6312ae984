/** The access log's hand-made line is byte for byte what the registry's pino logger writes for the same fields. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { CredentialKind } from '../../../registry/domain/identity.js';
import { AccessLog } from '../../../registry/http/access-log.js';
import { createLogger } from '../../../registry/logger.js';

function capture(level: string) {
  const lines: string[] = [];
  return { logger: createLogger(level, { write: (line: string) => void lines.push(line) }), lines };
}

/** Strings of any Latin-1 characters: what Node gives a request target and method as. */
const latin1 = fc.array(fc.integer({ min: 0, max: 0xff }), { maxLength: 120 }).map((codes) => String.fromCharCode(...codes));
const sameTime = (line: string) => line.replace(/^\{"level":30,"time":\d+,/, '{"level":30,"time":0,');

test('the same bytes as logger.info for any request line', () => {
  const { logger, lines } = capture('info');
  const access = new AccessLog(logger);
  fc.assert(
    fc.property(
      fc.oneof(fc.uuid(), fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/)),
      fc.oneof(fc.constantFrom('GET', 'HEAD', 'PUT', 'DELETE'), latin1),
      fc.oneof(fc.constant('/api/packages/acme/go/example.com/m/@v/v1.0.0.info'), latin1),
      fc.integer({ min: 100, max: 599 }),
      fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 10_000_000 }).map((n) => n / 10)),
      fc.constantFrom<CredentialKind | undefined>(undefined, 'token', 'admin', 'kubernetes', 'oidc'),
      fc.boolean(),
      (reqId, method, path, status, ms, credential, aborted) => {
        lines.length = 0;
        access.write(reqId, method, path, status, ms, credential, aborted);
        const line = { reqId, method, path, status, ms, ...(credential ? { credential } : {}) };
        logger.info(aborted ? { ...line, aborted: true } : line, 'request');
        assert.equal(lines.length, 2);
        assert.equal(sameTime(lines[0]!), sameTime(lines[1]!));
        assert.deepEqual(JSON.parse(lines[0]!).path, path);
      },
    ),
    { numRuns: 2000 },
  );
});

test('nothing below the logger level', () => {
  const { logger, lines } = capture('warn');
  new AccessLog(logger).write('id', 'GET', '/', 200, 0.1, undefined, false);
  assert.deepEqual(lines, []);
  logger.level = 'info';
  new AccessLog(logger).write('id', 'GET', '/', 200, 0.1, undefined, false);
  assert.equal(lines.length, 1);
});

test('a worker\'s child logger: its bindings in the line as pino writes them', () => {
  const { logger: root, lines } = capture('info');
  const logger = root.child({ worker: 2 });
  new AccessLog(logger).write('id-1', 'GET', '/api/packages/a/go/x.example/m/@v/list', 200, 0.3, 'token', false);
  logger.info({ reqId: 'id-1', method: 'GET', path: '/api/packages/a/go/x.example/m/@v/list', status: 200, ms: 0.3, credential: 'token' }, 'request');
  assert.equal(lines.length, 2);
  assert.equal(sameTime(lines[0]!), sameTime(lines[1]!));
  assert.match(lines[0]!, /"service":"go-registry","worker":2,"reqId"/);
});
