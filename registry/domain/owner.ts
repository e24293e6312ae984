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

/** Who is asking: the admin, a token of one owner, or nobody. */
export type Principal =
  | { kind: 'admin' }
  | { kind: 'token'; owner: string; name: string; scopes: Scope[] }
  | { kind: 'anonymous' };

/** May this principal read this owner's modules? */
export function canRead(principal: Principal, owner: Owner): boolean {
  if (principal.kind === 'admin' || owner.visibility === 'public') return true;
  if (principal.kind !== 'token') return false;
  if (owner.visibility === 'limited') return true;
  return principal.owner === owner.name && principal.scopes.includes('read');
}

/** May this principal publish or delete this owner's modules? */
export function canWrite(principal: Principal, owner: Owner): boolean {
  if (principal.kind === 'admin') return true;
  return principal.kind === 'token' && principal.owner === owner.name && principal.scopes.includes('write');
}
