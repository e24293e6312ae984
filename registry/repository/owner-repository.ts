/**
 * Storage port for owners and their tokens. Tokens are found by the SHA-256 of their
 * secret; the secret itself is never stored. Adapters: `sql/sql-owner-repository.ts`,
 * and the read cache in front of it (`cached-repositories.ts`).
 */
import type { Owner, OwnerSettings, Scope, TokenInfo } from '../domain/owner.js';
import type { Known } from './known.js';

export interface TokenRecord extends TokenInfo {
  digest: string;
}

export interface OwnerRepository {
  findOwner(name: string): Promise<Owner | undefined>;
  /** The owner whose claim covers the module path, if any. */
  findClaimant(modulePath: string): Promise<string | undefined>;
  /** findOwner's and findClaimant's answers when held in memory (the read cache), else UNKNOWN. */
  knownOwner?(name: string): Known<Owner | undefined>;
  knownClaimant?(modulePath: string): Known<string | undefined>;
  /** findTokenByDigest's answer when held in memory, else UNKNOWN. */
  knownTokenByDigest?(digest: string): Known<TokenRecord | undefined>;
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
  insertOwner(name: string, settings: OwnerSettings): Promise<Owner>;
  updateOwner(name: string, settings: OwnerSettings): Promise<Owner>;
  /**
   * Serialises claim changes with each other and with publishes (which take it shared,
   * ModuleVersionTx.claimOwner) until commit, so a claim and an upload under it never both commit unseen.
   */
  lockClaims(): Promise<void>;
  /** Every other owner's claims, to check a new claim for overlaps. */
  listOtherClaims(owner: string): Promise<{ owner: string; claims: string[] }[]>;
  /** A module path some other owner hosts under this prefix, if any (such a claim would take it away). */
  findHostedUnder(prefix: string, exceptOwner: string): Promise<{ owner: string; modulePath: string } | undefined>;
  countVersions(owner: string): Promise<number>;
  /** Deletes every version of the owner; returns their blob keys (their files are removed after commit). */
  removeVersions(owner: string): Promise<string[]>;
  removeOwner(name: string): Promise<void>;
}
