/**
 * Module-path claims: an owner claims path prefixes (`example.com/acme`), on
 * path-element boundaries. A claimed path is served only by its owner and never asked
 * of an upstream, so a public module cannot stand in for a private one (dependency
 * confusion). A prefix is claimed by at most one owner, and claims never overlap.
 */
import { checkModulePath } from './module-path.js';

export const MAX_CLAIMS_PER_OWNER = 64;

/** Is `path` the prefix itself or below it, on a path-element boundary? */
export const isUnder = (path: string, prefix: string) => path === prefix || path.startsWith(prefix + '/');

/** Two prefixes overlap when one is under the other. */
export const overlaps = (a: string, b: string) => isUnder(a, b) || isUnder(b, a);

/** A claim prefix must be a well-formed module path (it is one, or the start of several). */
export function checkClaimPrefix(prefix: string): string | undefined {
  const problem = checkModulePath(prefix);
  return problem && `invalid claim "${prefix}": ${problem.replace(/^malformed module path "[^"]*": /, '')}`;
}

/** Problems with one owner's list of claims on its own (duplicates, overlaps, form); undefined when fine. */
export function checkClaimList(claims: readonly string[]): string | undefined {
  if (claims.length > MAX_CLAIMS_PER_OWNER) return `at most ${MAX_CLAIMS_PER_OWNER} claims per owner`;
  for (const [i, c] of claims.entries()) {
    const problem = checkClaimPrefix(c);
    if (problem) return problem;
    const other = claims.slice(0, i).find((d) => overlaps(c, d));
    if (other !== undefined) return `claims "${other}" and "${c}" overlap: keep the shorter one`;
  }
  return undefined;
}

/** An index of every owner's claims, for the read path: which owner claims a module path, if any. */
export class ClaimIndex {
  private readonly byPrefix = new Map<string, string>();

  constructor(owners: Iterable<{ name: string; claims: readonly string[] }>) {
    for (const o of owners) for (const c of o.claims) this.byPrefix.set(c, o.name);
  }

  /** The owner whose claim covers `path`, or undefined. */
  ownerOf(path: string): string | undefined {
    for (let end = path.length; end > 0; end = path.lastIndexOf('/', end - 1)) {
      const owner = this.byPrefix.get(path.slice(0, end));
      if (owner !== undefined) return owner;
    }
    return undefined;
  }

  get size(): number {
    return this.byPrefix.size;
  }
}
