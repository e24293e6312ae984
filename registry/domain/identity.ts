/**
 * Workload identity: who a verified JWT names (a Kubernetes ServiceAccount, a CI job)
 * and the grants that give such identities scopes on owners. Pure: verifying the
 * token is `identity/`'s job, storing grants the repository's.
 */
import type { Scope } from './owner.js';

/** Which kind of credential a request presented (metrics and logs; never its value). */
export type CredentialKind = 'token' | 'admin' | 'kubernetes' | 'oidc';

/** Who a grant names. */
export type GrantSubject =
  /** A ServiceAccount of the configured Kubernetes issuer; name undefined: every one in the namespace. */
  | { kind: 'serviceAccount'; namespace: string; name?: string }
  /** Tokens of one OIDC issuer whose claims all match the patterns (`*` matches any characters). */
  | { kind: 'oidc'; issuer: string; claims: Record<string, string> };

export interface Grant {
  owner: string;
  name: string;
  subject: GrantSubject;
  scopes: Scope[];
  createdAt: Date;
}

/** A verified token's identity. */
export interface Identity {
  credential: 'kubernetes' | 'oidc';
  issuer: string;
  /** The token's `sub`: `system:serviceaccount:<ns>:<name>` for Kubernetes. */
  subject: string;
  serviceAccount?: { namespace: string; name: string };
  claims: Readonly<Record<string, unknown>>;
}

/** Does `*`-pattern match the whole value? Every other character stands for itself. */
export function claimPatternMatches(pattern: string, value: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === value;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = value.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

/** A claim as text for matching: strings, numbers and booleans; anything else never matches. */
function claimText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function grantMatches(subject: GrantSubject, identity: Identity): boolean {
  if (subject.kind === 'serviceAccount') {
    const sa = identity.serviceAccount;
    return identity.credential === 'kubernetes' && sa !== undefined && sa.namespace === subject.namespace && (subject.name === undefined || sa.name === subject.name);
  }
  if (identity.issuer !== subject.issuer) return false;
  const entries = Object.entries(subject.claims);
  return entries.length > 0 && entries.every(([claim, pattern]) => {
    const text = claimText(identity.claims[claim]);
    return text !== undefined && claimPatternMatches(pattern, text);
  });
}

/** The scopes each owner's matching grants give the identity together. */
export function scopesByOwner(grants: readonly Grant[], identity: Identity): Map<string, Scope[]> {
  const result = new Map<string, Scope[]>();
  for (const g of grants) {
    if (!grantMatches(g.subject, identity)) continue;
    const scopes = new Set([...(result.get(g.owner) ?? []), ...g.scopes]);
    result.set(g.owner, [...scopes].sort());
  }
  return result;
}

/** `namespace/name` entries (ADMIN_SERVICE_ACCOUNTS): is this identity one of them? */
export function isAdminServiceAccount(admins: readonly { namespace: string; name: string }[], identity: Identity): boolean {
  const sa = identity.serviceAccount;
  return identity.credential === 'kubernetes' && sa !== undefined && admins.some((a) => a.namespace === sa.namespace && a.name === sa.name);
}

/** Three base64url parts, the first a JSON object (`eyJ` is `{"`): a JWT, told apart from `gor_` tokens without parsing. */
const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
export const looksLikeJwt = (secret: string) => secret.length <= 16_384 && JWT_SHAPE.test(secret);
