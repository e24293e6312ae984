/**
 * Storage port for owners and their tokens. Tokens are found by the SHA-256 of their
 * secret; the secret itself is never stored. Adapters: `sql/sql-owner-repository.ts`,
 * and the read cache in front of it (`cached-repositories.ts`).
 */
import type { Owner, Scope, TokenInfo, Visibility } from '../domain/owner.js';

export interface TokenRecord extends TokenInfo {
  digest: string;
}

export interface OwnerRepository {
  findOwner(name: string): Promise<Owner | undefined>;
  listOwners(): Promise<Owner[]>;
  listTokens(owner?: string): Promise<TokenInfo[]>;
  /** Every token with its digest (the read cache's directory). */
  listTokenRecords(): Promise<TokenRecord[]>;
  findTokenByDigest(digest: string): Promise<TokenRecord | undefined>;
  findToken(owner: string, name: string): Promise<TokenRecord | undefined>;
  /** Creates or replaces a token; digest undefined keeps the current secret. */
  saveToken(t: { owner: string; name: string; digest?: string; scopes: Scope[]; expiresAt?: Date }): Promise<void>;
  removeToken(owner: string, name: string): Promise<boolean>;
  touchToken(owner: string, name: string, at: Date): Promise<void>;
  transaction<T>(fn: (tx: OwnerTx) => Promise<T>): Promise<T>;
}

/** Owner changes that must be atomic with their checks. */
export interface OwnerTx {
  /** The owner row, locked until commit. */
  lockOwner(name: string): Promise<Owner | undefined>;
  insertOwner(name: string, visibility: Visibility, managedBy: string | undefined): Promise<Owner>;
  updateOwner(name: string, visibility: Visibility, managedBy: string | undefined): Promise<Owner>;
  countVersions(owner: string): Promise<number>;
  /** Deletes every version of the owner; returns their blob keys (their files are removed after commit). */
  removeVersions(owner: string): Promise<string[]>;
  removeOwner(name: string): Promise<void>;
}
