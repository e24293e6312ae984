/**
 * URL prefixes as the go command matches GOAUTH credentials (cmd/go/internal/auth):
 * without the scheme and the trailing slash, and matched at path-element boundaries,
 * so a credential for host/api/packages/acme/go never reaches host/api/packages/acme2/go.
 */
import { usageError } from './cli-error.js';

/** `https://host[:port]/path` → `host[:port]/path`; refuses what go would not send credentials to. */
export function prefixKey(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`"${url}" is not a URL (want https://host/api/packages/{owner}/go or https://host)`);
  }
  if (parsed.protocol !== 'https:') throw usageError(`"${url}": credentials are only sent over https`);
  if (parsed.search || parsed.hash || parsed.username || parsed.password) throw usageError(`"${url}": a prefix has no query, fragment or user info`);
  return `${parsed.host}${parsed.pathname}`.replace(/\/+$/, '');
}

/** Does the credential prefix cover the request URL? */
export function prefixCovers(prefix: string, url: string): boolean {
  const key = prefixKey(prefix);
  const target = prefixKey(url.split(/[?#]/, 1)[0]!);
  return target === key || target.startsWith(key + '/');
}

/** The owner endpoint (`{registry}/api/packages/{owner}/go`) an URL lies under, when it does. */
export function ownerEndpointOf(url: string): { registry: string; owner: string } | undefined {
  const match = /^(https?:\/\/[^/]+(?:\/.*?)?)\/api\/packages\/([^/]+)\/go(?:\/|$)/.exec(url);
  return match ? { registry: match[1]!, owner: decodeURIComponent(match[2]!) } : undefined;
}

export const ownerEndpoint = (registry: string, owner: string) => `${registry.replace(/\/+$/, '')}/api/packages/${encodeURIComponent(owner)}/go`;
