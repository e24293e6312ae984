/**
 * A small catalog for the web UI's tests (HTTP and browser): a public, a limited and a
 * private owner with modules, a second private owner, read tokens, a README that tries
 * to run script, a retraction and a deprecation; and signing in through the real form.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createToken } from './admin-api.js';
import { ADMIN_TOKEN, type TestRegistry } from './in-process-registry.js';
import { makeModuleZip } from './module-zips.js';

/** A README whose script, if it ever ran, would set a flag on the page (the browser test watches it). */
export const HOSTILE_README = [
  '# Secret module',
  '',
  'Uses <script>window.__pwned = "script"; alert("script")</script> inline.',
  '',
  '<img src="x" onerror="window.__pwned = \'onerror\'; alert(\'onerror\')">',
  '',
  '[click](javascript:window.__pwned=\'link\')',
  '',
  '```go',
  'package secret',
  '```',
  '',
].join('\n');

export interface UiCatalog {
  /** Read tokens: of `acme-private` (sees its module) and of `other` (must not). */
  privateToken: string;
  otherToken: string;
}

async function upload(reg: TestRegistry, dir: string, owner: string, modulePath: string, version: string, files: Record<string, string>): Promise<void> {
  const zip = await readFile(await makeModuleZip(dir, modulePath, version, files));
  const res = await fetch(`${reg.url}/api/packages/${owner}/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: { Authorization: reg.auth } });
  assert.equal(res.status, 201, await res.text());
}

export async function seedUiCatalog(reg: TestRegistry, dir: string): Promise<UiCatalog> {
  await reg.createOwner('acme', 'public');
  await reg.createOwner('acme-limited', 'limited');
  await reg.createOwner('acme-private', 'private');
  await reg.createOwner('other', 'private');
  const lib = (v: string) => ({
    'go.mod': `// Deprecated: use example.com/acme/lib/v2 instead.\nmodule example.com/acme/lib\n\ngo 1.21\n\nrequire example.com/acme/util v0.1.0\n\n// Published by mistake.\nretract v1.0.0\n`,
    'README.md': `# lib ${v}\n\nA **public** library. See [util](https://example.com/util).\n\n| a | b |\n| - | - |\n| 1 | 2 |\n`,
    'lib.go': `package lib\n\n// Version is the release.\nconst Version = "${v}"\n\nfunc Hello() string { return "<b>hello</b>" }\n`,
    'internal/x/x.go': 'package x\n',
    ...(v === 'v1.1.0' ? { 'extra.go': 'package lib\n\nvar Extra = 1\n' } : {}),
  });
  await upload(reg, dir, 'acme', 'example.com/acme/lib', 'v1.0.0', lib('v1.0.0'));
  await upload(reg, dir, 'acme', 'example.com/acme/lib', 'v1.1.0', lib('v1.1.0'));
  await upload(reg, dir, 'acme', 'example.com/acme/util', 'v0.1.0', { 'go.mod': 'module example.com/acme/util\n\ngo 1.21\n', 'util.go': 'package util\n' });
  await upload(reg, dir, 'acme-limited', 'example.com/limited/tool', 'v0.2.0', { 'go.mod': 'module example.com/limited/tool\n', 'tool.go': 'package tool\n' });
  await upload(reg, dir, 'acme-private', 'example.com/private/secret', 'v1.0.0', {
    'go.mod': 'module example.com/private/secret\n\ngo 1.21\n\nrequire example.com/acme/lib v1.1.0\n',
    'README.md': HOSTILE_README,
    'secret.go': 'package secret\n\nconst Key = "</code><script>window.__pwned=1</script>"\n',
    'page.html': '<html><script>window.__pwned = "file"</script></html>\n',
  });
  return {
    privateToken: await createToken(reg.url, ADMIN_TOKEN, 'acme-private', 'laptop', ['read']),
    otherToken: await createToken(reg.url, ADMIN_TOKEN, 'other', 'ci', ['read']),
  };
}

/** Cookies of a Set-Cookie list as one Cookie header (name=value; …). */
export const cookieHeader = (setCookies: string[]) => setCookies.map((c) => c.split(';')[0] ?? '').filter((c) => !c.endsWith('=')).join('; ');

/** Signs in through the form as a browser would (GET the form and its cookie, POST both); returns the session cookie header. */
export async function signIn(baseUrl: string, token: string, headers: Record<string, string> = {}): Promise<{ status: number; cookie: string; setCookies: string[] }> {
  const form = await fetch(`${baseUrl}/ui/sign-in`, { headers });
  const formCookie = cookieHeader(form.headers.getSetCookie());
  const formValue = /name="form" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const res = await fetch(`${baseUrl}/ui/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...headers, Cookie: formCookie, Origin: headers['X-Forwarded-Proto'] === 'https' ? baseUrl.replace('http:', 'https:') : baseUrl, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ form: formValue, token }).toString(),
  });
  await res.text();
  const setCookies = res.headers.getSetCookie();
  return { status: res.status, cookie: cookieHeader(setCookies.filter((c) => c.includes('gor_session'))), setCookies };
}
