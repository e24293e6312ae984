/**
 * The GOPROXY metadata answers of a hosted module (`@v/list`, `@latest`, `.info`, `.mod`)
 * as plain values, and which GOPROXY route a path is: shared by the Koa routes
 * (routes/goproxy-routes.ts) and the lean path for warm hits (lean-goproxy.ts), so both
 * answer from the same code.
 */
import type { Owner } from '../domain/owner.js';
import type { GoproxyRequest } from '../goproxy/goproxy-request.js';
import type { ModuleVersion } from '../domain/module-version.js';
import { UNKNOWN, type Known } from '../repository/known.js';
import type { ModuleReadService, VersionInfo } from '../service/module-read-service.js';
import { jsonText } from './json-response.js';
import { immutable } from './zip-response.js';

export const GOPROXY_PATH = /^\/api\/packages\/([^/]+)\/go\/(.+)$/;
export const REGISTRY_GOPROXY_PATH = /^\/go\/(.+)$/;
export const SUMDB_PATH = /^\/go\/sumdb\/([^/]+)\/(.+)$/;
export const OWNER_SUMDB_PATH = /^\/api\/packages\/([^/]+)\/go\/sumdb\/([^/]+)\/(.+)$/;

/** The route names the metrics count GOPROXY requests under. */
export type GoproxyRoute = 'goproxy' | 'goproxy-registry';

/**
 * Which GOPROXY route takes a GET of this path, as the router decides it (the checksum
 * database's paths under the same prefixes first); undefined for any other route.
 */
export function goproxyRouteOf(path: string): { route: GoproxyRoute; owner: string | undefined; tail: string } | undefined {
  if (path.startsWith('/go/')) {
    if (SUMDB_PATH.test(path)) return undefined;
    return { route: 'goproxy-registry', owner: undefined, tail: path.slice('/go/'.length) };
  }
  const m = GOPROXY_PATH.exec(path);
  if (!m || OWNER_SUMDB_PATH.test(path)) return undefined;
  return { route: 'goproxy', owner: m[1], tail: m[2]! };
}

/** The GOPROXY requests answered with a small file: everything but the zip. */
export type MetadataRequest = { kind: 'list' | 'latest'; modulePath: string } | { kind: 'info' | 'mod'; modulePath: string; version: string };

export const isMetadataRequest = (r: GoproxyRequest): r is MetadataRequest => r.kind !== 'zip';

export interface MetadataAnswer {
  readonly contentType: string;
  readonly cacheControl: string;
  readonly body: string | Buffer;
  /** `.mod` only: a strong validator for conditional requests. */
  readonly etag?: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';

/** A hosted module's list, latest, info or mod answer; NotFound when the module or version is not there. */
export async function hostedMetadata(reader: ModuleReadService, request: MetadataRequest, owner: Owner): Promise<MetadataAnswer> {
  switch (request.kind) {
    case 'list':
      return listAnswer(await reader.list(owner.name, request.modulePath));
    case 'latest':
      return latestAnswer(await reader.latest(owner.name, request.modulePath));
    case 'info':
    case 'mod':
      return versionAnswer(reader, request.kind, await reader.find(owner.name, request.modulePath, request.version), owner);
  }
}

/** hostedMetadata's answer when the read cache holds what it needs, else UNKNOWN (and NotFound alike). */
export function knownHostedMetadata(reader: ModuleReadService, request: MetadataRequest, owner: Owner): Known<MetadataAnswer> {
  switch (request.kind) {
    case 'list': {
      const text = reader.knownList(owner.name, request.modulePath);
      return text === UNKNOWN ? UNKNOWN : listAnswer(text);
    }
    case 'latest': {
      const info = reader.knownLatest(owner.name, request.modulePath);
      return info === UNKNOWN ? UNKNOWN : latestAnswer(info);
    }
    case 'info':
    case 'mod': {
      const v = reader.knownFind(owner.name, request.modulePath, request.version);
      return v === UNKNOWN ? UNKNOWN : versionAnswer(reader, request.kind, v, owner);
    }
  }
}

const listAnswer = (text: string): MetadataAnswer => ({ contentType: TEXT_TYPE, cacheControl: 'no-cache', body: text });
const latestAnswer = (info: VersionInfo): MetadataAnswer => ({ contentType: JSON_TYPE, cacheControl: 'no-cache', body: jsonText(info) });

function versionAnswer(reader: ModuleReadService, kind: 'info' | 'mod', v: ModuleVersion, owner: Owner): MetadataAnswer {
  const cacheControl = immutable(owner.visibility);
  if (kind === 'info') return { contentType: JSON_TYPE, cacheControl, body: jsonText(reader.info(v)) };
  return { contentType: TEXT_TYPE, cacheControl, body: reader.goMod(v), etag: `"${v.goModHash}"` };
}
