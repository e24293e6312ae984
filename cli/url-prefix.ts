/**
 * URL prefixes as the go command matches GOAUTH credentials (cmd/go/internal/auth):
 * without the scheme and the trailing slash, and matched at path-element boundaries,
 * so a credential for host/api/packages/acme/go never reaches host/api/packages/acme2/go.
 */
import { usageError } from './cli-error.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * `https://host[:port]/path` → `host[:port]/path`, go's form. Plain http only for a loopback
 * host (a registry on a laptop), kept as `http://host/path` so that it never matches an
 * https URL, and never printed for go, which sends credentials only over https.
 */
export function prefixKey(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`"${url}" is not a URL (want https://host/api/packages/{owner}/go or https://host)`);
  }
  const loopbackHttp = parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname);
  if (parsed.protocol !== 'https:' && !loopbackHttp) throw usageError(`"${url}": credentials are only sent over https (or http to localhost)`);
  if (parsed.search || parsed.hash || parsed.username || parsed.password) throw usageError(`"${url}": a prefix has no query, fragment or user info`);
  return `${loopbackHttp ? 'http://' : ''}${parsed.host}${parsed.pathname}`.replace(/\/+$/, '');
}

/** Does the credential prefix cover the request URL? (Never an URL no credential may go to.) */
export function prefixCovers(prefix: string, url: string): boolean {
  const key = prefixKey(prefix);
  let target: string;
  try {
    target = prefixKey(url.split(/[?#]/, 1)[0]!);
  } catch {
    return false;
  }
  return target === key || target.startsWith(key + '/');
}

export const ownerEndpoint = (registry: string, owner: string) => `${registry.replace(/\/+$/, '')}/api/packages/${encodeURIComponent(owner)}/go`;

/** What goauth hands to go: https prefixes only, and never the admin API's (go has no business there). */
export const isGoauthPrefix = (prefix: string) => {
  const key = prefixKey(prefix);
  return !key.startsWith('http://') && !/\/api\/admin$/.test(key);
};
