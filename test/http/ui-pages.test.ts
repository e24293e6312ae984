/**
 * The web UI over HTTP: every page's status, hidden owners and modules answered
 * byte-for-byte like missing ones (pages, search, counts), security headers, the zip as
 * an attachment, and sign-in/sign-out: cookie attributes, the admin token refused, a
 * revoked token ending the session, CSRF refusals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createToken } from '../support/admin-api.js';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry } from '../support/in-process-registry.js';
import { tempDir } from '../support/paths.js';
import { cookieHeader, seedUiCatalog, signIn, type UiCatalog } from '../support/ui-catalog.js';

const fixture = {} as { reg: TestRegistry };
let catalog: UiCatalog;
let removeDir: () => Promise<void>;
before(async () => {
  fixture.reg = await startTestRegistry();
  const temp = await tempDir('ui-pages');
  removeDir = temp.remove;
  catalog = await seedUiCatalog(fixture.reg, temp.dir);
});
after(async () => {
  await fixture.reg?.stop();
  await removeDir?.();
});

const get = async (path: string, cookie?: string) => {
  const res = await fetch(fixture.reg.url + path, { headers: cookie ? { Cookie: cookie } : {}, redirect: 'manual' });
  return { res, status: res.status, body: await res.text() };
};

const PUBLIC_PAGES = [
  '/',
  '/?q=acme',
  '/ui/owners/acme',
  '/ui/modules/acme/example.com/acme/lib',
  '/ui/modules/acme/example.com/acme/lib@v1.0.0',
  '/ui/modules/acme/example.com/acme/lib@v1.1.0/files/lib.go',
  '/ui/modules/acme/example.com/acme/lib@v1.1.0/files/internal/x/x.go',
  '/ui/diff/acme/example.com/acme/lib?from=v1.0.0&to=v1.1.0',
  '/ui/sign-in',
];

/** Pages of the private owner, each with its counterpart under an owner that does not exist. */
const PRIVATE_PAGES = [
  '/ui/owners/acme-private',
  '/ui/modules/acme-private/example.com/private/secret',
  '/ui/modules/acme-private/example.com/private/secret@v1.0.0',
  '/ui/modules/acme-private/example.com/private/secret@v1.0.0/files/secret.go',
  '/ui/modules/acme-private/example.com/private/secret@v1.0.0/zip',
  '/ui/diff/acme-private/example.com/private/secret?from=v1.0.0&to=v1.0.0',
];
const missingTwin = (path: string) => path.replace('acme-private', 'no-such-owner');

describe('status codes', () => {
  test('every public page is a 200 HTML page for an anonymous visitor', async () => {
    for (const path of PUBLIC_PAGES) {
      const { status, res, body } = await get(path);
      assert.equal(status, 200, `${path}: ${body.slice(0, 200)}`);
      assert.match(res.headers.get('content-type')!, /^text\/html; charset=utf-8/);
      assert.match(body, /^<!doctype html>/);
    }
  });

  test('missing owners, modules, versions and files, and malformed paths, are 404 pages', async () => {
    for (const path of [
      '/ui/owners/nobody', '/ui/owners/NOT_AN_OWNER!', '/ui/owners/%E0%A4%A',
      '/ui/modules/acme/example.com/acme/none', '/ui/modules/acme/example.com/acme/lib@v9.9.9',
      '/ui/modules/acme/example.com/acme/lib@v1.0.0/files/nope.go', '/ui/modules/acme/example.com/acme/lib@v1.0.0/other',
      '/ui/modules/acme', '/ui/modules/acme/%ZZ', '/ui', '/ui/nothing-here', '/ui/static/other.css', '/ui/diff/acme/example.com/acme/lib?from=v1.0.0&to=v7.0.0', '/ui/diff/acme/example.com/acme/lib',
    ]) {
      const { status, res } = await get(path);
      assert.equal(status, 404, path);
      assert.match(res.headers.get('content-type')!, /^text\/html/, path);
    }
  });

  test('a search query over 200 characters is a 400 naming the limit', async () => {
    const page = await get('/?q=' + 'a'.repeat(201));
    assert.equal(page.status, 400);
    assert.match(page.body, /at most 200 characters/);
    const json = await get('/ui/search?q=' + 'a'.repeat(201));
    assert.equal(json.status, 400);
    assert.match(json.res.headers.get('content-type')!, /^text\/plain/);
  });

  test('the module page shows versions, hashes, marks, use, go.mod links, README and files', async () => {
    const { body } = await get('/ui/modules/acme/example.com/acme/lib');
    for (const want of [
      'go get example.com/acme/lib@v1.1.0', 'export GOPROXY=', '/api/packages/acme/go', 'export GOSUMDB=', '/sumdb/go-registry',
      'GONOSUMDB=example.com/acme/lib', 'badge latest', 'badge retracted', 'Published by mistake.', 'badge deprecated',
      'use example.com/acme/lib/v2 instead.', 'example.com/acme/lib v1.1.0 h1:', 'example.com/acme/lib v1.1.0/go.mod h1:',
      'href="/ui/modules/acme/example.com/acme/util@v0.1.0"', '<strong>public</strong>', '<table>', 'files/internal/x/x.go',
      'href="/ui/modules/acme/example.com/acme/lib@v1.1.0/zip"', 'rel="nofollow noopener noreferrer"',
    ]) assert.ok(body.includes(want), `module page lacks ${want}`);
    const hashes = await (await fetch(`${fixture.reg.url}/api/packages/acme/go/example.com/acme/lib/@v/v1.1.0.info`)).text();
    assert.ok(hashes.includes('v1.1.0'));
  });

  test('the diff page lists the added file and diffs go.mod', async () => {
    const { body } = await get('/ui/diff/acme/example.com/acme/lib?from=v1.0.0&to=v1.1.0');
    assert.match(body, /<code>extra\.go<\/code><\/td><td><span class="badge added">added/);
    assert.match(body, /go\.mod is the same in both versions/);
  });
});

describe('hidden answers exactly like missing', () => {
  for (const who of ['anonymous', 'the other owner\'s token'] as const) {
    test(`private owner's pages, for ${who}`, async () => {
      const cookie = who === 'anonymous' ? undefined : (await signIn(fixture.reg.url, catalog.otherToken)).cookie;
      for (const path of PRIVATE_PAGES) {
        const hidden = await get(path, cookie);
        const missing = await get(missingTwin(path), cookie);
        assert.equal(hidden.status, 404, path);
        assert.equal(hidden.status, missing.status, path);
        assert.equal(hidden.body, missing.body, `${path}: the same bytes as a missing owner's`);
        assert.equal(hidden.res.headers.get('content-type'), missing.res.headers.get('content-type'));
      }
      const home = await get('/?q=example', cookie);
      assert.ok(!home.body.includes('secret') && !home.body.includes('acme-private'), 'home and search name nothing hidden');
      assert.match(home.body, new RegExp(`Owners <span class="count">${who === 'anonymous' ? 1 : 3}</span>`));
      const search = JSON.parse((await get('/ui/search?q=private', cookie)).body) as unknown[];
      assert.deepEqual(search, []);
      const limited = await get('/ui/owners/acme-limited', cookie);
      assert.equal(limited.status, who === 'anonymous' ? 404 : 200);
    });
  }

  test('the owner\'s own read token sees the private module, in pages and search', async () => {
    const { cookie } = await signIn(fixture.reg.url, catalog.privateToken);
    for (const path of PRIVATE_PAGES) assert.equal((await get(path, cookie)).status, 200, path);
    const search = JSON.parse((await get('/ui/search?q=secret', cookie)).body) as { modulePath: string }[];
    assert.deepEqual(search.map((m) => m.modulePath), ['example.com/private/secret']);
    const home = await get('/', cookie);
    assert.match(home.body, /Recent uploads[\s\S]*example\.com\/private\/secret/);
    // The substring search finds it too ("rivate/sec" is not a prefix).
    assert.equal((JSON.parse((await get('/ui/search?q=rivate%2Fsec', cookie)).body) as unknown[]).length, 1);
  });
});

describe('headers and untrusted content', () => {
  test('pages have the CSP (no inline script), nosniff, no framing, a referrer policy, no caching', async () => {
    for (const path of [...PUBLIC_PAGES, '/ui/owners/nobody']) {
      const { res, body } = await get(path);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /default-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('referrer-policy'), 'same-origin');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.doesNotMatch(body, /<script(?![^>]*\bsrc="\/ui\/static\/ui\.js)/, `${path}: only the external script`);
      assert.doesNotMatch(body, /\son[a-z]+=/i, `${path}: no event handler attributes`);
    }
  });

  test('module content is escaped or sanitized, never markup of its own', async () => {
    const { cookie } = await signIn(fixture.reg.url, catalog.privateToken);
    const base = '/ui/modules/acme-private/example.com/private/secret@v1.0.0';
    for (const path of [base, `${base}/files/secret.go`, `${base}/files/page.html`, `${base}/files/README.md`]) {
      const { body, res } = await get(path, cookie);
      assert.match(res.headers.get('content-type')!, /^text\/html/);
      assert.doesNotMatch(body, /<script(?![^>]*\bsrc="\/ui\/static\/ui\.js)/, path);
      assert.doesNotMatch(body, /<img[^>]*onerror/i, path);
      assert.doesNotMatch(body, /href="javascript:/i, path);
    }
    assert.match((await get(`${base}/files/page.html`, cookie)).body, /&lt;script&gt;window.__pwned/);
  });

  test('the zip is an application/zip attachment; static files are cached for good under their hash', async () => {
    const zip = await get('/ui/modules/acme/example.com/acme/lib@v1.1.0/zip');
    assert.equal(zip.status, 200);
    assert.equal(zip.res.headers.get('content-type'), 'application/zip');
    assert.equal(zip.res.headers.get('content-disposition'), 'attachment; filename="lib@v1.1.0.zip"');
    assert.equal(zip.res.headers.get('x-content-type-options'), 'nosniff');
    const page = await get('/');
    const css = /href="(\/ui\/static\/ui\.css\?v=[0-9a-f]+)"/.exec(page.body)![1]!;
    const js = /src="(\/ui\/static\/ui\.js\?v=[0-9a-f]+)"/.exec(page.body)![1]!;
    for (const [url, type] of [[css, 'text/css'], [js, 'text/javascript']] as const) {
      const res = await get(url);
      assert.equal(res.status, 200);
      assert.match(res.res.headers.get('content-type')!, new RegExp(`^${type}`));
      assert.equal(res.res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    }
  });
});

describe('sign-in and sign-out', () => {
  test('the session cookie is HttpOnly, SameSite=Strict, Path=/, short-lived; not Secure over HTTP', async () => {
    const { status, setCookies } = await signIn(fixture.reg.url, catalog.privateToken);
    assert.equal(status, 303);
    const session = setCookies.find((c) => c.startsWith('gor_session='))!;
    assert.ok(session, setCookies.join('\n'));
    assert.match(session, /; httponly/i);
    assert.match(session, /; samesite=strict/i);
    assert.match(session, /; path=\//i);
    assert.doesNotMatch(session, /; secure/i);
    const expires = Date.parse(/expires=([^;]+)/i.exec(session)![1]!);
    assert.ok(expires - Date.now() <= 60 * 60_000 + 5000 && expires > Date.now(), 'an hour at most');
    assert.doesNotMatch(session, new RegExp(catalog.privateToken), 'the cookie is not the token');
  });

  test('behind an HTTPS proxy the cookie is __Host- and Secure', async () => {
    const { setCookies } = await signIn(fixture.reg.url, catalog.privateToken, { 'X-Forwarded-Proto': 'https' });
    const session = setCookies.find((c) => c.startsWith('__Host-gor_session='));
    assert.ok(session, setCookies.join('\n'));
    assert.match(session, /; secure/i);
  });

  test('the admin token and invalid tokens do not sign in', async () => {
    const admin = await signIn(fixture.reg.url, ADMIN_TOKEN);
    assert.equal(admin.status, 403);
    assert.equal(admin.cookie, '');
    const bad = await signIn(fixture.reg.url, 'gor_' + 'x'.repeat(43));
    assert.equal(bad.status, 401);
    assert.equal(bad.cookie, '');
  });

  test('a revoked token ends its session at the next request', async () => {
    const token = await createToken(fixture.reg.url, ADMIN_TOKEN, 'acme-private', 'short', ['read']);
    const { cookie } = await signIn(fixture.reg.url, token);
    assert.equal((await get('/ui/owners/acme-private', cookie)).status, 200);
    const del = await fetch(`${fixture.reg.url}/api/admin/owners/acme-private/tokens/short`, { method: 'DELETE', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(del.status, 204);
    const after = await get('/ui/owners/acme-private', cookie);
    assert.equal(after.status, 404);
    assert.equal(after.body, (await get('/ui/owners/no-such-owner')).body, 'anonymous again');
    assert.ok(after.res.headers.getSetCookie().some((c) => /^gor_session=;/.test(c)), 'the cookie is cleared');
  });

  test('CSRF: a sign-in without the form cookie, or from another origin, is refused', async () => {
    const post = (headers: Record<string, string>, form: Record<string, string>) =>
      fetch(`${fixture.reg.url}/ui/sign-in`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() });
    const noCookie = await post({ Origin: fixture.reg.url }, { form: 'made-up', token: catalog.privateToken });
    assert.equal(noCookie.status, 403);
    assert.equal(cookieHeader(noCookie.headers.getSetCookie().filter((c) => c.includes('gor_session'))), '');
    const form = await fetch(`${fixture.reg.url}/ui/sign-in`);
    const formCookie = cookieHeader(form.headers.getSetCookie());
    const value = /name="form" value="([^"]+)"/.exec(await form.text())![1]!;
    const foreign = await post({ Origin: 'https://evil.example', Cookie: formCookie }, { form: value, token: catalog.privateToken });
    assert.equal(foreign.status, 403);
    const crossSite = await post({ 'Sec-Fetch-Site': 'cross-site', Cookie: formCookie }, { form: value, token: catalog.privateToken });
    assert.equal(crossSite.status, 403);
    assert.match(await crossSite.text(), /own sign-in page/);
  });

  test('CSRF: sign-out needs the session\'s CSRF value and this origin; then the session is gone', async () => {
    const { cookie } = await signIn(fixture.reg.url, catalog.privateToken);
    const page = await get('/', cookie);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const out = (headers: Record<string, string>, form: Record<string, string>) =>
      fetch(`${fixture.reg.url}/ui/sign-out`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie, ...headers }, body: new URLSearchParams(form).toString() });
    assert.equal((await out({ Origin: fixture.reg.url }, { csrf: 'wrong' })).status, 403);
    assert.equal((await out({ Origin: 'https://evil.example' }, { csrf })).status, 403);
    assert.equal((await get('/ui/owners/acme-private', cookie)).status, 200, 'still signed in after the refusals');
    const done = await out({ Origin: fixture.reg.url }, { csrf });
    assert.equal(done.status, 303);
    assert.ok(done.headers.getSetCookie().some((c) => /^gor_session=;/.test(c)));
    assert.equal((await get('/ui/owners/acme-private', cookie)).status, 404, 'the old cookie opens nothing');
  });
});
