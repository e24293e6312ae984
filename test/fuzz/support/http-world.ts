/**
 * The HTTP fuzz test's two sides: the real registry (one per fuzz session, reached over
 * real HTTP) with fresh owners and tokens for every fast-check run, and the model of what
 * that run published (201) and removed (204) or had refused.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DomainError } from '../../../registry/domain/domain-error.js';
import { checkModuleZip } from '../../../registry/upload/module-zip-check.js';
import { adminPut, createToken } from '../../support/admin-api.js';
import { ADMIN_TOKEN } from '../../support/in-process-registry.js';
import { rawRequest, type RawRequest, type RawResponse } from '../../support/raw-http.js';
import type { PublishedVersion } from '../../support/served-state.js';
import type { Credential, OwnerRole } from './http-arbitraries.js';

export interface FuzzModel {
  /** key → what a 201 acknowledged and no 204 removed. */
  published: Map<string, PublishedVersion>;
  /** key → versions deleted, or refused while not published: never listed. */
  absent: Map<string, PublishedVersion>;
  /** path@version → the hashes the checksum log holds (by any owner, deleted or not): other bytes are a 409. */
  logged: Map<string, string>;
}

export interface FuzzStats {
  /** Fuzzed requests (and the HEADs after a fuzzed delete). */
  requests: number;
  /** Requests of the model's served-state checks. */
  checks: number;
  /** The /healthz probes after each command. */
  probes: number;
  statuses: Map<number, number>;
}

export interface FuzzWorld {
  port: number;
  url: string;
  owners: { public: string; private: string; missing: string };
  secrets: { admin: string; ownerWrite: string; ownerRead: string; privWrite: string };
  /** A file for the in-process verdict on an upload's bytes. */
  scratch: string;
  stats: FuzzStats;
  /** Commands run so far in this run. */
  commands: number;
}

export const keyOf = (v: { owner: string; modulePath: string; version: string }) => `${v.owner}\0${v.modulePath}\0${v.version}`;

let runs = 0;

/** Fresh owners (public, private, one never created) and tokens for one fast-check run. */
export async function newRun(url: string, scratchDir: string, stats: FuzzStats): Promise<{ model: FuzzModel; real: FuzzWorld }> {
  const run = `fz${process.pid}-${runs++}`;
  const owners = { public: `${run}-pub`, private: `${run}-priv`, missing: `${run}-ghost` };
  await adminPut(url, ADMIN_TOKEN, `/owners/${owners.public}`, { visibility: 'public' });
  await adminPut(url, ADMIN_TOKEN, `/owners/${owners.private}`, { visibility: 'private' });
  const secrets = {
    admin: ADMIN_TOKEN,
    ownerWrite: await createToken(url, ADMIN_TOKEN, owners.public, 'w', ['read', 'write']),
    ownerRead: await createToken(url, ADMIN_TOKEN, owners.public, 'r', ['read']),
    privWrite: await createToken(url, ADMIN_TOKEN, owners.private, 'pw', ['read', 'write']),
  };
  const real = { port: Number(new URL(url).port), url, owners, secrets, scratch: path.join(scratchDir, `${run}.zip`), stats, commands: 0 };
  return { model: { published: new Map(), absent: new Map(), logged: new Map() }, real };
}

export function ownerName(w: FuzzWorld, role: OwnerRole): string {
  return typeof role === 'string' ? w.owners[role] : role.raw;
}

/** The Authorization header lines a credential sends. */
export function authHeaders(w: FuzzWorld, c: Credential): (string | Buffer)[] {
  if (c.kind === 'none') return [];
  if (c.kind === 'garbage') return [c.header];
  const secret = w.secrets[c.kind];
  return [c.scheme === 'basic' ? `Authorization: Basic ${Buffer.from(`fuzz:${secret}`).toString('base64')}` : `Authorization: Bearer ${secret}`];
}

/** The invariants every answer keeps: below 500, and an error answer is non-empty text/plain. */
export function checkAnswer(req: RawRequest, res: RawResponse, what: string): void {
  const shown = `${what}: ${res.status} ${JSON.stringify(res.body.subarray(0, 300).toString())}`;
  assert.ok(res.status >= 200 && res.status < 500, `status out of range — ${shown}`);
  if (res.status < 400) return;
  assert.match(res.headers['content-type'] ?? '', /^text\/plain/, `an error answer is text/plain — ${shown}`);
  const length = req.method === 'HEAD' ? Number(res.headers['content-length'] ?? 0) : res.body.length;
  assert.ok(length > 0, `an error answer has a message — ${shown}`);
}

export async function send(w: FuzzWorld, req: RawRequest, what: string): Promise<RawResponse> {
  const res = await rawRequest(w.port, req);
  w.stats.requests++;
  w.stats.statuses.set(res.status, (w.stats.statuses.get(res.status) ?? 0) + 1);
  checkAnswer(req, res, what);
  return res;
}

export type Verdict = { ok: true; modulePath: string; version: string; hashes: string } | { ok: false };

/** What the upload validator says of these bytes, in-process: the registry must answer the same over HTTP. */
export async function verdictOf(w: FuzzWorld, bytes: Buffer): Promise<Verdict> {
  await writeFile(w.scratch, bytes);
  try {
    const checked = await checkModuleZip(w.scratch);
    return { ok: true, modulePath: checked.modulePath, version: checked.version, hashes: `${checked.zipHash} ${checked.goModHash}` };
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'Invalid') return { ok: false };
    throw err;
  }
}

/** Who may write to which owner: 'yes', or the status the registry answers. */
export function writeAccess(c: Credential, role: OwnerRole): 'yes' | number[] {
  if (c.kind === 'garbage') return [400, 401, 431];
  if (typeof role !== 'string') return c.kind === 'none' ? [400, 401] : [400, 404];
  if (c.kind === 'none') return [401];
  if (role === 'missing') return [404];
  if (c.kind === 'admin') return 'yes';
  if (role === 'public') return c.kind === 'ownerWrite' ? 'yes' : [403];
  return c.kind === 'privWrite' ? 'yes' : [404];
}
