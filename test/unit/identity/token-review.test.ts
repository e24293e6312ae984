/**
 * TokenReview answers: reused within the cache time and never past the token's expiry
 * (a clock the test moves, no sleeps), asked again after; the bearer token file is sent
 * and read again each time; an API server that fails is Unavailable (a 503), never a 401.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { DomainError } from '../../../registry/domain/domain-error.js';
import { IssuerHttp } from '../../../registry/identity/issuer-http.js';
import { TokenReviewer } from '../../../registry/identity/token-review.js';
import { tempDir } from '../../support/paths.js';

let server: http.Server;
let url: string;
let dir: string;
let remove: () => Promise<void>;
const seen: { authorization: string | undefined; token: string; audiences: string[] }[] = [];
let answer: 'yes' | 'no' | 'fail' = 'yes';

before(async () => {
  ({ dir, remove } = await tempDir('token-review'));
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d));
    req.on('end', () => {
      const spec = (JSON.parse(body) as { spec: { token: string; audiences: string[] } }).spec;
      seen.push({ authorization: req.headers.authorization, ...spec });
      if (answer === 'fail') return res.writeHead(500).end('boom');
      res.setHeader('content-type', 'application/json');
      res.writeHead(201).end(JSON.stringify({ status: answer === 'yes' ? { authenticated: true, user: { username: 'system:serviceaccount:ci:app', uid: 'u1' } } : { authenticated: false, error: 'service account deleted' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await remove();
});

test('answers are reused for the cache time, never past the token expiry, and asked again after', async () => {
  const tokenFile = path.join(dir, 'token');
  await writeFile(tokenFile, 'registry-sa-token-1\n');
  let now = 1_000_000;
  const reviewer = new TokenReviewer(new IssuerHttp({ caFile: undefined, tokenFile, origin: url, timeoutMs: 2000 }), url, 'go-registry', 10, () => now);
  const far = now + 3_600_000;
  seen.length = 0;
  assert.deepEqual(await reviewer.review('jwt-a', far), { username: 'system:serviceaccount:ci:app', uid: 'u1' });
  assert.deepEqual(seen.map((s) => [s.authorization, s.token, s.audiences]), [['Bearer registry-sa-token-1', 'jwt-a', ['go-registry']]]);
  now += 9_999;
  await reviewer.review('jwt-a', far);
  assert.equal(seen.length, 1, 'reused within 10 s');
  answer = 'no';
  await writeFile(tokenFile, 'registry-sa-token-2\n');
  now += 2;
  assert.equal(await reviewer.review('jwt-a', far), undefined, 'asked again after 10 s: the ServiceAccount is gone');
  assert.equal(seen[1]!.authorization, 'Bearer registry-sa-token-2', 'the token file is read again');
  answer = 'yes';
  // A token expiring in 3 s: its answer is kept 3 s, not 10.
  await reviewer.review('jwt-b', now + 3000);
  now += 3001;
  await reviewer.review('jwt-b', now + 60_000);
  assert.equal(seen.filter((s) => s.token === 'jwt-b').length, 2);
});

test('with a cache time of 0 every request is reviewed; a failing API server is Unavailable', async () => {
  const reviewer = new TokenReviewer(new IssuerHttp({ caFile: undefined, tokenFile: undefined, origin: url, timeoutMs: 2000 }), url, 'go-registry', 0);
  seen.length = 0;
  await reviewer.review('jwt-c', Date.now() + 60_000);
  await reviewer.review('jwt-c', Date.now() + 60_000);
  assert.equal(seen.length, 2);
  assert.equal(seen[0]!.authorization, undefined, 'no token file: no Authorization');
  answer = 'fail';
  await assert.rejects(reviewer.review('jwt-d', Date.now() + 60_000), (err: unknown) => err instanceof DomainError && err.kind === 'Unavailable' && /HTTP 500/.test(err.message));
  answer = 'yes';
  const down = new TokenReviewer(new IssuerHttp({ caFile: undefined, tokenFile: undefined, origin: 'http://127.0.0.1:1', timeoutMs: 2000 }), 'http://127.0.0.1:1', 'go-registry', 10);
  await assert.rejects(down.review('jwt-e', Date.now() + 60_000), (err: unknown) => err instanceof DomainError && err.kind === 'Unavailable');
});
