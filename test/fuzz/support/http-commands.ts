/**
 * The HTTP fuzz test's commands (fast-check model-based testing): each sends one
 * request (or a few) to the real registry, checks the answer against the invariants and
 * the model, and updates the model with what was acknowledged (201) or removed (204).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { escapeCase } from '../../../registry/domain/case-encoding.js';
import { checkServed, sha256 } from '../../support/served-state.js';
import { adminBody, adminTarget, credential, goproxySuffix, moduleSegment, ownerRole, readHeaders, type Credential, type OwnerRole } from './http-arbitraries.js';
import { authHeaders, keyOf, ownerName, send, verdictOf, writeAccess, type FuzzModel, type FuzzWorld } from './http-world.js';
import { bytesOf, intendedVersion, uploadBody, type UploadBody } from './upload-arbitraries.js';

type Cmd = fc.AsyncCommand<FuzzModel, FuzzWorld>;
const credName = (c: Credential) => (c.kind === 'garbage' ? `garbage(${JSON.stringify(c.header.toString('latin1').slice(0, 60))})` : c.kind === 'none' ? 'none' : `${c.kind}/${c.scheme}`);
const roleName = (r: OwnerRole) => (typeof r === 'string' ? r : JSON.stringify(r.raw));

class Upload implements Cmd {
  constructor(readonly body: UploadBody, readonly role: OwnerRole, readonly cred: Credential) {}
  check = () => true;
  async run(m: FuzzModel, w: FuzzWorld): Promise<void> {
    const bytes = bytesOf(this.body);
    const verdict = await verdictOf(w, bytes);
    const owner = ownerName(w, this.role);
    const res = await send(w, { method: 'PUT', target: `/api/packages/${owner}/go/upload`, headers: authHeaders(w, this.cred), body: bytes }, this.toString());
    const access = writeAccess(this.cred, this.role);
    const key = verdict.ok ? keyOf({ owner, ...verdict }) : '';
    const logged = verdict.ok ? m.logged.get(`${verdict.modulePath}@${verdict.version}`) : undefined;
    const otherBytes = verdict.ok && logged !== undefined && logged !== verdict.hashes;
    const expected = access !== 'yes' ? access : !verdict.ok ? [400] : m.published.has(key) || otherBytes ? [409] : [201];
    assert.ok(expected.includes(res.status), `${this}: expected ${expected.join(' or ')}, got ${res.status} ${res.body.toString().slice(0, 300)}`);
    if (res.status === 201 && verdict.ok) {
      m.logged.set(`${verdict.modulePath}@${verdict.version}`, verdict.hashes);
      m.published.set(key, { owner, modulePath: verdict.modulePath, version: verdict.version, zipSha256: sha256(bytes) });
      m.absent.delete(key);
      return;
    }
    const meant = intendedVersion(this.body);
    const meantKey = meant && keyOf({ owner, ...meant });
    if (meant && typeof this.role === 'string' && !m.published.has(meantKey!)) m.absent.set(meantKey!, { owner, ...meant, zipSha256: sha256(bytes) });
  }
  toString = () => `upload(${this.body.kind === 'valid' ? `${this.body.modulePath}@${this.body.version}` : this.body.kind}, ${roleName(this.role)}, ${credName(this.cred)})`;
}

/** Deletes a published version (by index into the model) through one of the two delete paths. */
class DeletePublished implements Cmd {
  constructor(readonly index: number, readonly gitea: boolean, readonly cred: Credential) {}
  check = (m: Readonly<FuzzModel>) => m.published.size > 0;
  async run(m: FuzzModel, w: FuzzWorld): Promise<void> {
    const [key, v] = [...m.published][this.index % m.published.size]!;
    const target = this.gitea
      ? `/api/v1/packages/${v.owner}/go/${encodeURIComponent(v.modulePath)}/${encodeURIComponent(v.version)}`
      : `/api/packages/${v.owner}/go/${escapeCase(v.modulePath)}/@v/${escapeCase(v.version)}`;
    const res = await send(w, { method: 'DELETE', target, headers: authHeaders(w, this.cred) }, `${this} ${target}`);
    const access = writeAccess(this.cred, v.owner === w.owners.public ? 'public' : 'private');
    const expected = access === 'yes' ? [204] : access;
    assert.ok(expected.includes(res.status), `${this} ${target}: expected ${expected.join(' or ')}, got ${res.status} ${res.body.toString().slice(0, 200)}`);
    if (res.status === 204) {
      m.published.delete(key);
      m.absent.set(key, v);
    }
  }
  toString = () => `deletePublished(#${this.index}, ${this.gitea ? 'gitea' : 'goproxy'}, ${credName(this.cred)})`;
}

/** Any request the registry may receive under its routes: GOPROXY reads, deletes with odd paths, other methods. */
class Fuzzed implements Cmd {
  constructor(readonly method: string, readonly target: string, readonly headers: string[], readonly cred: Credential, readonly body: string | undefined) {}
  check = () => true;
  async run(m: FuzzModel, w: FuzzWorld): Promise<void> {
    const target = this.target.replace(/\{(public|private|missing)\}/g, (_, r: 'public' | 'private' | 'missing') => w.owners[r]);
    const body = this.body === undefined ? undefined : Buffer.from(this.body);
    const res = await send(w, { method: this.method, target: Buffer.from(target, 'latin1'), headers: [...this.headers, ...authHeaders(w, this.cred)], body }, this.toString());
    // A fuzzed delete may hit a published version; the model learns which from the next listing check.
    if (this.method === 'DELETE' && res.status === 204) await forgetDeleted(m, w);
  }
  toString = () => `${this.method} ${JSON.stringify(this.target)} [${this.headers.join(' | ')}] ${credName(this.cred)}${this.body === undefined ? '' : ` body ${JSON.stringify(this.body.slice(0, 80))}`}`;
}

/** After a fuzzed delete succeeded: every published version that no longer downloads moved to absent. */
async function forgetDeleted(m: FuzzModel, w: FuzzWorld): Promise<void> {
  for (const [key, v] of [...m.published]) {
    const res = await send(w, { method: 'HEAD', target: `/api/packages/${v.owner}/go/${escapeCase(v.modulePath)}/@v/${escapeCase(v.version)}.zip`, headers: authHeaders(w, { kind: 'admin', scheme: 'bearer' }) }, 'HEAD after a fuzzed delete');
    if (res.status === 404) {
      m.published.delete(key);
      m.absent.set(key, v);
    }
  }
}

/** Everything published is listed and downloads with its bytes; nothing absent is listed or served. */
export async function checkModel(m: FuzzModel, w: FuzzWorld): Promise<void> {
  await checkServed(w.url, { present: [...m.published.values()], absent: [...m.absent.values()] }, { Authorization: `Bearer ${w.secrets.admin}` });
  w.stats.checks += 4 * m.published.size + 2 * m.absent.size;
}

const ownerSegment = ownerRole.map((r) => (typeof r === 'string' ? `{${r}}` : r.raw));
const goproxyTarget = fc.tuple(ownerSegment, moduleSegment, goproxySuffix).map(([o, m, s]) => `/api/packages/${o}/go/${m}${s}`);
const giteaTarget = fc.tuple(ownerSegment, moduleSegment, fc.constantFrom('v1.0.0', 'v1.0.0%00', '%zz', 'v1', '')).map(([o, m, v]) => `/api/v1/packages/${o}/go/${encodeURIComponent(m)}/${v}`);
const otherTarget = fc.constantFrom('*', '/', '//', '/api', '/api/packages', '/api/packages/{public}/go', '/api/packages/{public}/go/', '/healthz?x', '/metrics', '/%', 'http://127.0.0.1/healthz', '/api/packages/{public}/go/upload/../upload');

export const commandArbitraries: fc.Arbitrary<Cmd>[] = [
  fc.tuple(uploadBody, ownerRole, credential).map(([b, r, c]) => new Upload(b, r, c)),
  fc.tuple(fc.nat(), fc.boolean(), credential).map(([i, g, c]) => new DeletePublished(i, g, c)),
  fc.tuple(fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'HEAD', 'DELETE', 'POST', 'OPTIONS', 'PATCH'), fc.oneof({ weight: 6, arbitrary: goproxyTarget }, { weight: 1, arbitrary: giteaTarget }, { weight: 1, arbitrary: otherTarget }), readHeaders, credential)
    .map(([method, target, headers, c]) => new Fuzzed(method, target, headers, c, undefined)),
  fc.tuple(fc.constantFrom('PUT', 'PUT', 'DELETE', 'GET'), adminTarget, fc.constantFrom('application/json', 'text/plain', ''), adminBody, fc.oneof({ weight: 4, arbitrary: fc.constant<Credential>({ kind: 'admin', scheme: 'bearer' }) }, { weight: 1, arbitrary: credential }))
    .map(([method, target, type, body, c]) => new Fuzzed(method, target, type ? [`Content-Type: ${type}`] : [], c, method === 'PUT' ? body : undefined)),
  fc.tuple(fc.constantFrom('GET', 'PUT', 'CONNECT', 'get', 'BREW', 'TRACE'), fc.oneof(goproxyTarget, otherTarget), fc.array(fc.string({ unit: 'binary-ascii', maxLength: 30 }), { maxLength: 2 }), credential)
    .map(([method, target, headers, c]) => new Fuzzed(method, target, headers, c, undefined)),
];
