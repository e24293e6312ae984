/**
 * The web UI in a real browser: Chromium (Debian's package) headless through
 * playwright-core. Every page anonymous and signed in (screenshots kept under
 * test-artifacts/ui/, axe-core with no serious or critical violations, no console
 * errors, light and dark, phone width), sign-in and sign-out through the form, search as
 * you type, a private module shown to the wrong token exactly as a missing one, a
 * hostile README that does not run (a dialog listener and a page flag as witnesses,
 * shown to catch the same markup when it is not sanitized), keyboard navigation, and a
 * sign-in over HTTPS (a test CA) whose cookie is __Host- and Secure.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium, seriousViolations } from '../support/browser.js';
import { startTestRegistry, type TestRegistry } from '../support/in-process-registry.js';
import { REPO_ROOT, tempDir } from '../support/paths.js';
import { createTestCa } from '../support/test-ca.js';
import { readFile } from 'node:fs/promises';
import { Agent, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { HOSTILE_README, seedUiCatalog, type UiCatalog } from '../support/ui-catalog.js';

let browser: Browser;
let reg: TestRegistry;
let catalog: UiCatalog;
let removeDir: () => Promise<void>;

before(async () => {
  browser = await launchChromium();
  reg = await startTestRegistry();
  const temp = await tempDir('ui-browser');
  removeDir = temp.remove;
  catalog = await seedUiCatalog(reg, temp.dir);
});
after(async () => {
  await browser?.close();
  await reg?.stop();
  await removeDir?.();
});

/** A fresh browser context, signed in through the real form when a token is given. */
async function visitor(token?: string, options: { colorScheme?: 'light' | 'dark'; width?: number } = {}): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL: reg.url, colorScheme: options.colorScheme ?? 'light', viewport: { width: options.width ?? 1200, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && !/status of 404/.test(m.text()) && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  if (token) {
    await page.goto('/ui/sign-in');
    await page.fill('#token', token);
    await Promise.all([page.waitForURL(`${reg.url}/`), page.click('form[action="/ui/sign-in"] button[type=submit]')]);
  }
  return { context, page, errors };
}

const PUBLIC = [
  ['home', '/'],
  ['search', '/?q=lib'],
  ['owner', '/ui/owners/acme'],
  ['module', '/ui/modules/acme/example.com/acme/lib'],
  ['module-retracted', '/ui/modules/acme/example.com/acme/lib@v1.0.0'],
  ['file', '/ui/modules/acme/example.com/acme/lib@v1.1.0/files/lib.go'],
  ['diff', '/ui/diff/acme/example.com/acme/lib?from=v1.0.0&to=v1.1.0'],
  ['sign-in', '/ui/sign-in'],
] as const;
const PRIVATE = [
  ['private-owner', '/ui/owners/acme-private'],
  ['private-module', '/ui/modules/acme-private/example.com/private/secret'],
  ['private-file', '/ui/modules/acme-private/example.com/private/secret@v1.0.0/files/secret.go'],
] as const;

async function checkPage(page: Page, errors: string[], name: string, url: string, status = 200): Promise<void> {
  const res = await page.goto(url);
  assert.equal(res?.status(), status, `${name}: ${url}`);
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  const violations = await seriousViolations(page);
  assert.deepEqual(violations.map((v) => `${v.id}: ${v.help} ${JSON.stringify(v.nodes.map((n) => n.target))}`), [], `${name}: accessibility`);
  assert.deepEqual(errors, [], `${name}: console errors`);
}

describe('every page', () => {
  test('anonymous, light: 200s, accessible, no console errors; a missing owner is a 404 page', async () => {
    const { context, page, errors } = await visitor();
    for (const [name, url] of PUBLIC) await checkPage(page, errors, `anonymous-${name}`, url);
    for (const [name, url] of PRIVATE) await checkPage(page, errors, `anonymous-${name}`, url, 404);
    await checkPage(page, errors, 'anonymous-missing', '/ui/owners/no-such-owner', 404);
    await context.close();
  });

  test('signed in, dark: the private pages too', async () => {
    const { context, page, errors } = await visitor(catalog.privateToken, { colorScheme: 'dark' });
    for (const [name, url] of [...PUBLIC, ...PRIVATE]) await checkPage(page, errors, `signed-in-dark-${name}`, url);
    await context.close();
  });

  test('on a phone-sized screen the module page does not scroll sideways', async () => {
    const { context, page, errors } = await visitor(undefined, { width: 390 });
    await checkPage(page, errors, 'phone-module', '/ui/modules/acme/example.com/acme/lib');
    const [scroll, width] = (await page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]')) as [number, number];
    assert.ok(scroll <= width, `page is ${scroll}px wide in a ${width}px window`);
    await context.close();
  });
});

test('sign-in and sign-out through the form', async () => {
  const { context, page } = await visitor();
  assert.equal((await page.goto('/ui/owners/acme-private'))?.status(), 404);
  await page.goto('/ui/sign-in');
  await page.fill('#token', catalog.privateToken);
  await Promise.all([page.waitForURL(`${reg.url}/`), page.keyboard.press('Enter')]);
  assert.match(await page.locator('.who').innerText(), /Signed in: acme-private/);
  assert.equal((await page.goto('/ui/owners/acme-private'))?.status(), 200);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'gor_session')!;
  assert.ok(session.httpOnly && session.sameSite === 'Strict', JSON.stringify(session));
  assert.equal(await page.evaluate('document.cookie.includes("gor_session")'), false, 'script cannot read the session cookie');
  await Promise.all([page.waitForURL(`${reg.url}/`), page.click('button:has-text("Sign out")')]);
  assert.equal(await page.locator('.site-header a:has-text("Sign in")').count(), 1);
  assert.equal((await page.goto('/ui/owners/acme-private'))?.status(), 404);
  // The admin token is refused on the form.
  await page.goto('/ui/sign-in');
  await page.fill('#token', (await import('../support/in-process-registry.js')).ADMIN_TOKEN);
  await page.keyboard.press('Enter');
  await page.waitForSelector('.notice.error');
  assert.match(await page.locator('.notice.error').innerText(), /admin token does not sign in/);
  await context.close();
});

test('search as you type, and the search page', async () => {
  const { context, page } = await visitor();
  await page.goto('/');
  await page.locator('#q').pressSequentially('acme/l', { delay: 30 });
  const suggestion = page.locator('#live-results a').first();
  await suggestion.waitFor();
  assert.match(await suggestion.innerText(), /example\.com\/acme\/lib v1\.1\.0 \(acme\)/);
  await page.locator('#q').fill('secret');
  await page.locator('#live-results li:has-text("No module matches.")').waitFor();
  await page.locator('#q').fill('util');
  await Promise.all([page.waitForURL(/\?q=util/), page.keyboard.press('Enter')]);
  assert.match(await page.locator('#results-title').innerText(), /util/);
  assert.equal(await page.locator('section[aria-labelledby=results-title] a.path').innerText(), 'example.com/acme/util');
  await context.close();
});

test('the private module is invisible to another owner\'s token: the same page as a missing one', async () => {
  const { context, page } = await visitor(catalog.otherToken);
  for (const [, url] of PRIVATE) {
    const hidden = await page.goto(url);
    const hiddenBody = await hidden!.body();
    const missing = await page.goto(url.replace('acme-private', 'no-such-owner'));
    assert.equal(hidden!.status(), 404);
    assert.equal(missing!.status(), 404);
    assert.ok(hiddenBody.equals(await missing!.body()), `${url}: the same bytes as a missing owner's page`);
  }
  await page.goto('/?q=secret');
  assert.equal(await page.locator('text=example.com/private/secret').count(), 0);
  await context.close();
});

describe('a hostile README does not run', () => {
  /** Watches a page for script of the module's: dialogs, and the flag its script would set. */
  function witness(page: Page): { dialogs: string[]; flag: () => Promise<unknown> } {
    const dialogs: string[] = [];
    page.on('dialog', (d) => (dialogs.push(d.message()), void d.dismiss()));
    return { dialogs, flag: () => page.evaluate('window.__pwned') };
  }

  test('the witness catches the same markup when it is not sanitized (control)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const w = witness(page);
    await page.setContent(`<div>${HOSTILE_README}</div>`);
    await page.waitForTimeout(300);
    assert.ok(w.dialogs.length > 0 || (await w.flag()) !== undefined, 'unsanitized, the README runs');
    await context.close();
  });

  test('on the module page, the README file and the source views', async () => {
    const { context, page } = await visitor(catalog.privateToken);
    const w = witness(page);
    const base = '/ui/modules/acme-private/example.com/private/secret@v1.0.0';
    for (const url of [base, `${base}/files/README.md`, `${base}/files/secret.go`, `${base}/files/page.html`]) {
      await page.goto(url);
      await page.waitForLoadState('networkidle');
      await page.waitForTimeout(300);
      assert.equal(await page.locator('main script, main [onerror], main a[href^="javascript:"]').count(), 0, url);
    }
    await page.goto(base);
    await page.locator('.readme a:has-text("click")').click().catch(() => {});
    await page.waitForTimeout(300);
    assert.deepEqual(w.dialogs, []);
    assert.equal(await w.flag(), undefined);
    assert.match(await page.locator('.readme').innerText(), /Secret module/);
    await context.close();
  });
});

test('keyboard: Tab reaches the skip link, the search box and the links, with a visible focus ring', async () => {
  const { context, page } = await visitor();
  await page.goto('/');
  const focused = () => page.evaluate(`(() => { const e = document.activeElement; const s = getComputedStyle(e);
    return { tag: e.tagName, id: e.id, text: (e.textContent || '').trim(), href: e.getAttribute('href'), outline: s.outlineStyle, width: parseFloat(s.outlineWidth) }; })()`) as Promise<{ tag: string; id: string; text: string; href: string | null; outline: string; width: number }>;
  await page.keyboard.press('Tab');
  const first = await focused();
  assert.equal(first.text, 'Skip to content');
  assert.ok(first.outline !== 'none' && first.width >= 2, `visible focus: ${JSON.stringify(first)}`);
  let reachedSearch = false;
  let ownerLink: Awaited<ReturnType<typeof focused>> | undefined;
  for (let i = 0; i < 40 && !ownerLink; i++) {
    await page.keyboard.press('Tab');
    const f = await focused();
    if (f.id === 'q') reachedSearch = true;
    if (f.href === '/ui/owners/acme') ownerLink = f;
  }
  assert.ok(reachedSearch, 'Tab reaches the search box');
  assert.ok(ownerLink, 'Tab reaches the owner link');
  assert.ok(ownerLink.outline !== 'none' && ownerLink.width >= 2, `visible focus on links: ${JSON.stringify(ownerLink)}`);
  await Promise.all([page.waitForURL(/\/ui\/owners\/acme$/), page.keyboard.press('Enter')]);
  await context.close();
});

test('the README screenshot (docs/ui-module.png) can be made again', async () => {
  // UPDATE_DOCS_SCREENSHOT=1 rewrites the committed one; otherwise it goes to the artifacts.
  const target = process.env.UPDATE_DOCS_SCREENSHOT ? path.join(REPO_ROOT, 'docs', 'ui-module.png') : path.join(ARTIFACTS, 'docs-ui-module.png');
  const { context, page } = await visitor(undefined, { width: 1100 });
  await page.setViewportSize({ width: 1100, height: 760 });
  await page.goto('/ui/modules/acme/example.com/acme/lib');
  await page.screenshot({ path: target });
  await context.close();
});

test('over HTTPS the session cookie is __Host- and Secure, and signing in works in the browser', async () => {
  const { dir, remove } = await tempDir('ui-https');
  const ca = await createTestCa(dir);
  const { certFile, keyFile } = await ca.issue('server');
  const previous = getGlobalDispatcher();
  // This process's fetch (the seeding) trusts the test CA; the browser is told to accept it.
  setGlobalDispatcher(new Agent({ connect: { ca: await readFile(ca.caFile) } }));
  const secure = await startTestRegistry({ TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile });
  try {
    assert.match(secure.url, /^https:/);
    const tokens = await seedUiCatalog(secure, dir);
    const context = await browser.newContext({ baseURL: secure.url, ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto('/ui/sign-in');
    await page.fill('#token', tokens.privateToken);
    await Promise.all([page.waitForURL(`${secure.url}/`), page.keyboard.press('Enter')]);
    const session = (await context.cookies()).find((c) => c.name === '__Host-gor_session');
    assert.ok(session, JSON.stringify(await context.cookies()));
    assert.ok(session.secure && session.httpOnly && session.sameSite === 'Strict' && session.path === '/', JSON.stringify(session));
    assert.equal((await page.goto('/ui/modules/acme-private/example.com/private/secret'))?.status(), 200);
    assert.match(await page.locator('pre.copyable').nth(1).innerText(), new RegExp(`GOPROXY=${secure.url.replace(/[.]/g, '\\.')}/api/packages/acme-private/go`));
    await page.screenshot({ path: path.join(ARTIFACTS, 'https-private-module.png') });
    await context.close();
  } finally {
    await secure.stop();
    setGlobalDispatcher(previous);
    await remove();
  }
});
