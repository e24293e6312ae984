/** Owners, their visibility and their tokens. */
export const VISIBILITIES = ['public', 'limited', 'private'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const SCOPES = ['read', 'write'] as const;
export type Scope = (typeof SCOPES)[number];

/** What the admin API sets on an owner. */
export interface OwnerSettings {
  visibility: Visibility;
  /** Opaque id of the controller that manages this owner (a custom resource's UID). */
  managedBy: string | undefined;
  /** Module-path prefixes only this owner may publish under (domain/claims.ts). */
  claims: string[];
  /** Whether the owner's endpoint falls through to the pull-through cache for paths it does not host. */
  upstream: boolean;
}

export interface Owner extends OwnerSettings {
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface TokenInfo {
  owner: string;
  name: string;
  scopes: Scope[];
  expiresAt: Date | undefined;
  createdAt: Date;
  lastUsedAt: Date | undefined;
}

/**
 * Who is asking: the admin (the admin token, or an admin ServiceAccount's token), a token
 * of one owner, a workload identity with the scopes its grants give per owner, or nobody.
 */
export type Principal =
  | { kind: 'admin'; credential?: 'admin' | 'kubernetes'; subject?: string }
  | { kind: 'token'; owner: string; name: string; scopes: Scope[] }
  | { kind: 'identity'; credential: 'kubernetes' | 'oidc'; issuer: string; subject: string; scopes: ReadonlyMap<string, Scope[]> }
  | { kind: 'anonymous' };

/** The scopes a token or identity holds on this owner. */
function scopesOn(principal: Principal, owner: string): readonly Scope[] {
  if (principal.kind === 'token') return principal.owner === owner ? principal.scopes : [];
  if (principal.kind === 'identity') return principal.scopes.get(owner) ?? [];
  return [];
}

/** Whether a limited owner counts the principal as known: any valid token, an identity some grant names. */
const isKnown = (principal: Principal) => principal.kind === 'token' || (principal.kind === 'identity' && principal.scopes.size > 0);

/** May this principal read this owner's modules? */
export function canRead(principal: Principal, owner: Owner): boolean {
  if (principal.kind === 'admin' || owner.visibility === 'public') return true;
  if (owner.visibility === 'limited' && isKnown(principal)) return true;
  return scopesOn(principal, owner.name).includes('read');
}

/** May this principal publish or delete this owner's modules? */
export function canWrite(principal: Principal, owner: Owner): boolean {
  if (principal.kind === 'admin') return true;
  return scopesOn(principal, owner.name).includes('write');
}
