/**
 * Pieces of hostile HTTP requests for the registry: credentials (good, wrong, malformed,
 * bytes fetch would refuse), GOPROXY targets with every encoding go never sends,
 * conditional and range headers, admin routes and bodies.
 */
import fc from 'fast-check';
import { caseEncoded, modulePath } from './path-arbitraries.js';
import { version } from './version-arbitraries.js';

/** Who a request claims to be; the fuzz world turns a name into an Authorization header. */
export type Credential =
  | { kind: 'none' }
  | { kind: 'admin' | 'ownerWrite' | 'ownerRead' | 'privWrite'; scheme: 'basic' | 'bearer' }
  | { kind: 'garbage'; header: Buffer };

const b64 = (s: string) => Buffer.from(s).toString('base64');
const garbageAuth = fc.oneof(
  fc.constantFrom(
    'Basic !!!not-base64', `Basic ${b64('user-without-colon')}`, `Basic ${b64('u:wrong-secret')}`, 'Basic', 'Basic ', 'Bearer', 'Bearer ',
    `Bearer gor_${'A'.repeat(43)}`, 'Digest username="x"', 'bearer  two  spaces', `Basic ${b64(':')}`, `Basic ${b64('u:\u00e9\u0000')}`,
    `Bearer ${'a'.repeat(8000)}`, `Basic ${'QUFB'.repeat(4500)}`, 'Bearer a\u0000b', 'Bearer \u00ff\u00fe', 'Bearer a\rb', 'Bearer a\nX-Injected: 1',
  ).map((s) => Buffer.from(`Authorization: ${s}`, 'latin1')),
  fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.concat([Buffer.from('Authorization: Bearer '), Buffer.from(a)])),
  fc.string({ maxLength: 20 }).map((s) => Buffer.from(`Authorization: Bearer ${s}`, 'utf8')),
);

export const credential: fc.Arbitrary<Credential> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('admin', 'ownerWrite', 'ownerRead', 'privWrite').chain((kind) => fc.constantFrom('basic', 'bearer').map((scheme) => ({ kind, scheme }) as Credential)) },
  { weight: 1, arbitrary: fc.constant<Credential>({ kind: 'none' }) },
  { weight: 1, arbitrary: garbageAuth.map((header) => ({ kind: 'garbage', header }) as Credential) },
);

/** Owner segments: the world's owners by role, and names that are not owners at all. */
export type OwnerRole = 'public' | 'private' | 'missing' | { raw: string };
export const ownerRole: fc.Arbitrary<OwnerRole> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<OwnerRole>('public', 'private', 'missing') },
  { weight: 1, arbitrary: fc.constantFrom('ACME', '..', '.', '%2e%2e', 'a%00b', 'a b', '%', 'x'.repeat(70), '\u00e9', 'acme!', '-').map((raw) => ({ raw })) },
);

/** Turns a path or version into what a URL may carry: as is, percent-encoded, or broken. */
const urlEncoded = (s: fc.Arbitrary<string>) =>
  fc.tuple(s, fc.constantFrom('raw', 'encode', 'encode-all', 'bad-percent', 'nul', 'overlong-dot', 'dotdot', 'double-slash', 'utf8-bytes')).map(([v, how]) => {
    switch (how) {
      case 'encode': return encodeURIComponent(v).replace(/%2F/g, '/');
      case 'encode-all': return [...Buffer.from(v)].map((b) => '%' + b.toString(16).padStart(2, '0')).join('');
      case 'bad-percent': return v + '%zz%';
      case 'nul': return v + '%00';
      case 'overlong-dot': return v + '/%c0%ae%c0%ae/x';
      case 'dotdot': return '../' + v + '/..';
      case 'double-slash': return v.replace('/', '//');
      case 'utf8-bytes': return Buffer.from(v).toString('latin1');
      default: return v;
    }
  });

export const moduleSegment = urlEncoded(fc.oneof(caseEncoded(modulePath), fc.constantFrom('example.com/fz/a', 'example.com/fz/!b', 'example.com/fz/a/v2')));
export const versionSegment = urlEncoded(fc.oneof(caseEncoded(version), fc.constantFrom('v1.0.0', 'v1.0.0-rc.1', 'v2.0.0', 'latest', '')));

export const goproxySuffix = fc.oneof(
  fc.constantFrom('/@v/list', '/@latest', '/@v/', '/@v', '/@v/list/', '/@v/list?x=1', '/@latest/', '', '/sumdb/sum.golang.org/supported', '/@v/list%00'),
  fc.tuple(versionSegment, fc.constantFrom('.info', '.mod', '.zip', '.ZIP', '.zip/', '', '.info.zip', '.zip?download=1')).map(([v, ext]) => `/@v/${v}${ext}`),
);

const httpDate = fc.constantFrom('Wed, 21 Oct 2015 07:28:00 GMT', 'Sat, 01 Jan 2100 00:00:00 GMT', 'yesterday', '', '0', 'Thu, 99 Foo 99999 99:99:99 GMT');
/** Conditional and range headers, valid and garbage. */
export const readHeaders = fc.array(
  fc.oneof(
    fc.constantFrom('bytes=0-10', 'bytes=-5', 'bytes=5-', 'bytes=10-5', 'bytes=0-0,2-3', 'bytes=abc', 'bytes=99999999999999999999-', 'items=0-1', '', 'bytes=0-', 'bytes=-0', 'bytes=1-1,1-1,1-1').map((v) => `Range: ${v}`),
    fc.oneof(httpDate, fc.constantFrom('"nope"', 'W/"x"', '*', '')).map((v) => `If-Range: ${v}`),
    fc.constantFrom('*', '"x"', 'W/"x", "y"', ',,,', '"unterminated', '').map((v) => `If-None-Match: ${v}`),
    httpDate.map((v) => `If-Modified-Since: ${v}`),
    fc.constantFrom('gzip', 'br;q=0', '*;q=x', 'identity;q=0').map((v) => `Accept-Encoding: ${v}`),
  ),
  { maxLength: 3 },
);

/** An admin route under /api/admin, for owner names the fuzz world does not use. */
const adminName = fc.oneof(
  fc.stringMatching(/^[a-z0-9._-]{1,10}$/).map((s) => `fz-admin-${s}`),
  fc.constantFrom('', 'UPPER', '..', '%00', 'a%2fb', 'x'.repeat(300), '\u00e9', 'a b'),
);
export const adminTarget = fc.oneof(
  adminName.map((o) => `/api/admin/owners/${o}`),
  fc.tuple(adminName, adminName).map(([o, t]) => `/api/admin/owners/${o}/tokens/${t.replace('fz-admin-', 'fz-t-')}`),
  fc.tuple(adminName, fc.constantFrom('x', '%00', 'y'.repeat(300), '%e9', '%zz')).map(([o, id]) => `/api/admin/owners/${o}/managed-by/${id}`),
  adminName.map((o) => `/api/admin/owners/${o}?force=true`),
  fc.constant('/api/admin/owners'),
);

export const adminBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.constantFrom(
    '{"visibility":"public"}', '{"visibility":"private","managedBy":"uid-1"}', '{"visibility":"limited","managedBy":"a\\u0000b"}',
    '{"visibility":"public","extra":1}', '{"scopes":["read"]}', '{"scopes":["read","write"],"expiresAt":"2999-01-01T00:00:00Z"}',
    '{"scopes":["read"],"expiresAt":"tomorrow"}', `{"scopes":["write"],"token":"gor_${'x'.repeat(43)}"}`, '{"scopes":[]}', '{"scopes":"read"}',
    '{', '', 'null', '[]', '"\\ud800"', '\ufeff{"visibility":"public"}', '[' .repeat(5000) + ']'.repeat(5000),
    `{"visibility":"${'p'.repeat(70000)}"}`, `{"managedBy":"${'m'.repeat(300)}","visibility":"public"}`,
  ),
);
