/** Parses the web UI's module URLs (made by web/links.ts): `{owner}/{module path}[@{version}[/files/{name}|/zip]]`. */
import { checkOwnerName } from '../../domain/owner-name.js';

export interface ModuleLocation {
  owner: string;
  modulePath: string;
  version: string | undefined;
  /** What under the version: the page, one file, or the zip. */
  part: { kind: 'page' } | { kind: 'file'; name: string } | { kind: 'zip' };
}

export function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** The location in `tail` (after `/ui/modules/` or `/ui/diff/`), or undefined when it is not one (a 404). */
export function parseModuleLocation(tail: string): ModuleLocation | undefined {
  const slash = tail.indexOf('/');
  if (slash <= 0) return undefined;
  const owner = decode(tail.slice(0, slash));
  // A module path has no '@' (x/mod's CheckPath), so the first one starts the version.
  const rest = decode(tail.slice(slash + 1));
  if (owner === undefined || checkOwnerName(owner) || rest === undefined) return undefined;
  const at = rest.indexOf('@');
  const modulePath = (at < 0 ? rest : rest.slice(0, at)).replace(/\/+$/, '');
  if (modulePath === '') return undefined;
  if (at < 0) return { owner, modulePath, version: undefined, part: { kind: 'page' } };
  const afterAt = rest.slice(at + 1);
  const end = afterAt.indexOf('/');
  const version = end < 0 ? afterAt : afterAt.slice(0, end);
  const sub = end < 0 ? '' : afterAt.slice(end);
  if (version === '') return undefined;
  if (sub === '' || sub === '/') return { owner, modulePath, version, part: { kind: 'page' } };
  if (sub === '/zip') return { owner, modulePath, version, part: { kind: 'zip' } };
  if (sub.startsWith('/files/') && sub.length > '/files/'.length) return { owner, modulePath, version, part: { kind: 'file', name: sub.slice('/files/'.length) } };
  return undefined;
}
