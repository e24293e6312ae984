/**
 * GoPackageOwner.spec.claims as the CRD schema checks them: module-path prefixes on
 * path-element boundaries, of a form go accepts for a module path, none below another.
 * The registry has the last word (golang.org/x/mod's CheckPath in full, and no overlap
 * with another owner's claims); this is the part a resource can be checked for on its own,
 * so a resource applied without the CRD's validation gets the same InvalidClaim answer.
 */

export const MAX_CLAIMS = 64;
export const MAX_CLAIM_LENGTH = 256;

/**
 * The CRD's pattern for one claim: a first path element of lowercase letters, digits,
 * dashes and dots with at least one dot (a host name), then elements of go's module-path
 * characters that neither start nor end with a dot. crds/ carries the same text.
 */
export const CLAIM_PATTERN = '^[a-z0-9][-a-z0-9]*(\\.[-a-z0-9]+)+(/[-A-Za-z0-9_~]([-A-Za-z0-9._~]*[-A-Za-z0-9_~])?)*$';
const CLAIM = new RegExp(CLAIM_PATTERN);

/** Is `path` the prefix itself or below it, on a path-element boundary? */
export const isUnder = (path: string, prefix: string) => path === prefix || path.startsWith(prefix + '/');

/** The first problem with a list of claims, as a message naming the claim; undefined when fine. */
export function claimProblem(claims: readonly string[]): string | undefined {
  if (claims.length > MAX_CLAIMS) return `at most ${MAX_CLAIMS} claims`;
  for (const [i, claim] of claims.entries()) {
    if (claim.length > MAX_CLAIM_LENGTH) return `claim "${claim.slice(0, 40)}…" is longer than ${MAX_CLAIM_LENGTH} characters`;
    if (!CLAIM.test(claim)) return `invalid claim "${claim}": a module-path prefix such as example.com/acme (a host name with a dot, then path elements)`;
    const other = claims.slice(0, i).find((c) => c !== claim && (isUnder(claim, c) || isUnder(c, claim)));
    if (other !== undefined) return `claims "${other}" and "${claim}" overlap: keep the shorter one`;
  }
  return undefined;
}
