/** The web UI's URLs, made in one place (and parsed in http/ui/ui-paths.ts). */

/** A module path or file name in a URL: each element percent-encoded, slashes kept. */
const encodePath = (p: string) => p.split('/').map(encodeURIComponent).join('/');

export const homeUrl = (query?: string) => (query ? `/?q=${encodeURIComponent(query)}` : '/');
export const ownerUrl = (owner: string) => `/ui/owners/${encodeURIComponent(owner)}`;
export const moduleUrl = (owner: string, modulePath: string, version?: string) =>
  `/ui/modules/${encodeURIComponent(owner)}/${encodePath(modulePath)}${version ? '@' + encodeURIComponent(version) : ''}`;
export const fileUrl = (owner: string, modulePath: string, version: string, name: string) =>
  `${moduleUrl(owner, modulePath, version)}/files/${encodePath(name)}`;
export const zipUrl = (owner: string, modulePath: string, version: string) => `${moduleUrl(owner, modulePath, version)}/zip`;
export const diffUrl = (owner: string, modulePath: string, from?: string, to?: string) =>
  `/ui/diff/${encodeURIComponent(owner)}/${encodePath(modulePath)}${from && to ? `?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}` : ''}`;
export const SIGN_IN_URL = '/ui/sign-in';
export const SIGN_OUT_URL = '/ui/sign-out';
export const SEARCH_URL = '/ui/search';
