/**
 * GoPackageOwner.spec.access: which ServiceAccounts and which CI subjects get which
 * scopes on the owner, as the registry's grants (one per entry, by name). The CRD
 * schema checks the same; this is the check a resource applied without it gets too.
 */
import type { Scope } from './gopackageowner.js';

export interface AccessSpec {
  name: string;
  scopes: Scope[];
  /** A ServiceAccount (namespace defaults to the resource's), or with no name every one in the namespace. */
  serviceAccount?: { namespace?: string; name?: string };
  /** A CI system's OIDC tokens: its issuer and claim patterns (`*` matches any characters), all of which must match. */
  oidc?: { issuer: string; claims: Record<string, string> };
}

/** A registry grant as the operator sends and compares it. */
export interface DesiredGrant {
  name: string;
  scopes: Scope[];
  serviceAccount?: { namespace: string; name?: string };
  oidc?: { issuer: string; claims: Record<string, string> };
}

export const MAX_ACCESS = 32;
const NAME = /^[a-z0-9]([a-z0-9-]{0,56}[a-z0-9])?$/;

/** The spec's entries with the resource's namespace filled in and scopes sorted. */
export function desiredGrants(access: readonly AccessSpec[] | undefined, namespace: string): DesiredGrant[] {
  return (access ?? []).map((a) => ({
    name: a.name,
    scopes: [...new Set(a.scopes)].sort() as Scope[],
    ...(a.serviceAccount ? { serviceAccount: { namespace: a.serviceAccount.namespace ?? namespace, ...(a.serviceAccount.name ? { name: a.serviceAccount.name } : {}) } } : {}),
    ...(a.oidc ? { oidc: { issuer: a.oidc.issuer, claims: { ...a.oidc.claims } } } : {}),
  }));
}

/** The first problem with spec.access, naming the entry; undefined when fine. */
export function accessProblem(access: readonly AccessSpec[] | undefined): string | undefined {
  const list = access ?? [];
  if (list.length > MAX_ACCESS) return `at most ${MAX_ACCESS} access entries`;
  const names = new Set<string>();
  for (const a of list) {
    if (!NAME.test(a.name ?? '')) return `access entry "${a.name}": the name must be 1-58 lowercase letters, digits or "-"`;
    if (names.has(a.name)) return `access entry "${a.name}" is listed twice`;
    names.add(a.name);
    if ((a.serviceAccount === undefined) === (a.oidc === undefined)) return `access entry "${a.name}": give exactly one of serviceAccount and oidc`;
    if (!a.scopes?.length || a.scopes.some((s) => s !== 'read' && s !== 'write')) return `access entry "${a.name}": scopes are read and/or write`;
    if (a.oidc && Object.keys(a.oidc.claims ?? {}).length === 0) return `access entry "${a.name}": oidc needs at least one claim (else every token of the issuer would match)`;
  }
  return undefined;
}
