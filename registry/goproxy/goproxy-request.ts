/**
 * Parses the part of a GOPROXY URL after `/go/`: `{module}/@v/list`,
 * `{module}/@v/{version}.info|.mod|.zip` and `{module}/@latest`, with module and
 * version case-encoded and percent-encoded. Anything else is not a request go makes.
 */
import { LRUCache } from 'lru-cache';
import { unescapeModulePath, unescapeVersion } from '../domain/case-encoding.js';

export type GoproxyRequest =
  | { kind: 'list'; modulePath: string }
  | { kind: 'latest'; modulePath: string }
  | { kind: 'info' | 'mod' | 'zip'; modulePath: string; version: string };

const VERSIONED = /^(.+)\/@v\/([^/]+)\.(info|mod|zip)$/;

/**
 * Valid module paths seen recently (escaped → decoded): checking one against Go's rules
 * was a twentieth of a cached read's CPU time, and go asks for the same modules again
 * and again. Bounded by size; invalid paths are never kept.
 */
const knownModulePaths = new LRUCache<string, string>({ maxSize: 4 * 1024 * 1024, sizeCalculation: (v, k) => k.length + v.length });

function module(escaped: string): string | undefined {
  const known = knownModulePaths.get(escaped);
  if (known !== undefined) return known;
  const modulePath = unescapeModulePath(escaped);
  if (modulePath !== undefined) knownModulePaths.set(escaped, modulePath);
  return modulePath;
}

export function parseGoproxyRequest(rawTail: string): GoproxyRequest | undefined {
  let tail = rawTail;
  try {
    if (rawTail.includes('%')) tail = decodeURIComponent(rawTail);
  } catch {
    return undefined;
  }
  if (tail.endsWith('/@v/list')) {
    const modulePath = module(tail.slice(0, -'/@v/list'.length));
    return modulePath === undefined ? undefined : { kind: 'list', modulePath };
  }
  if (tail.endsWith('/@latest')) {
    const modulePath = module(tail.slice(0, -'/@latest'.length));
    return modulePath === undefined ? undefined : { kind: 'latest', modulePath };
  }
  const m = VERSIONED.exec(tail);
  if (!m) return undefined;
  const modulePath = module(m[1]!);
  const version = unescapeVersion(m[2]!);
  if (modulePath === undefined || version === undefined) return undefined;
  return { kind: m[3] as 'info' | 'mod' | 'zip', modulePath, version };
}
