/**
 * Every authentication and authorization decision of the registry lives here:
 * who a request is (admin token, owner token, a workload identity with the scopes its
 * grants give, nobody) and what it may do to an
 * owner. An owner a principal may not read is answered exactly like one that does
 * not exist, so existence never leaks.
 */
import { DomainError, notFound } from '../domain/domain-error.js';
import { isAdminServiceAccount, looksLikeJwt, scopesByOwner, type CredentialKind } from '../domain/identity.js';
import { canRead, canWrite, type Owner, type Principal } from '../domain/owner.js';
import type { IdentityVerifier } from '../identity/identity-verifier.js';
import type { GrantRepository } from '../repository/grant-repository.js';
import { digestsEqual, tokenDigest } from '../domain/token-secret.js';
import { UNKNOWN, type Known } from '../repository/known.js';
import type { OwnerRepository, TokenRecord } from '../repository/owner-repository.js';

/** Recording last use at most this often keeps reads from writing on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;
/** Tokens remembered before the stale ones are swept. */
const LAST_RECORDED_SWEEP_AT = 10_000;

export const NOT_FOUND_MESSAGE = 'not found';
const unauthorized = (message: string) => new DomainError('Unauthorized', message);

/** Workload identities: the verifier of configured issuers, the grants, the admin ServiceAccounts. */
export interface IdentityOptions {
  verifier: IdentityVerifier;
  grants: GrantRepository;
  adminServiceAccounts: readonly { namespace: string; name: string }[];
}

/** Which kind of credential a principal presented; undefined for nobody. */
export function credentialOf(principal: Principal): CredentialKind | undefined {
  switch (principal.kind) {
    case 'admin':
      return principal.credential ?? 'admin';
    case 'token':
      return 'token';
    case 'identity':
      return principal.credential;
    case 'anonymous':
      return undefined;
  }
}

const visible = (principal: Principal, owner: Owner | undefined) => (owner && canRead(principal, owner) ? owner : undefined);

export class AuthService {
  /** undefined: no admin token (the admin is a ServiceAccount); nothing matches it. */
  private readonly adminDigest: string | undefined;
  private readonly lastRecorded = new Map<string, number>();
  private lastSwept = 0;

  constructor(
    private readonly owners: OwnerRepository,
    adminToken: string | undefined,
    private readonly onUsed: (err: unknown) => void = () => {},
    private readonly identity?: IdentityOptions,
  ) {
    this.adminDigest = adminToken === undefined ? undefined : tokenDigest(adminToken);
  }

  /** The principal behind a presented secret; a presented but invalid secret is 401, never anonymous. */
  async authenticate(secret: string | undefined): Promise<Principal> {
    if (secret === undefined) return { kind: 'anonymous' };
    const digest = tokenDigest(secret);
    if (this.isAdminDigest(digest)) return { kind: 'admin' };
    // A JWT never reaches the token lookup, and a `gor_` token never the JWT parser.
    if (this.identity && looksLikeJwt(secret)) return this.authenticateIdentity(secret, this.identity);
    const principal = await this.tokenPrincipal(digest);
    if (!principal) throw unauthorized('invalid, revoked or expired token');
    return principal;
  }

  /**
   * authenticate's answer when it needs nothing but memory (no credential, the admin token, an owner token
   * while the tokens are held); UNKNOWN for the rest — a JWT, a token not held, a refused one — which
   * authenticate answers, with its error.
   */
  knownAuthenticate(secret: string | undefined): Known<Principal> {
    if (secret === undefined) return { kind: 'anonymous' };
    const digest = tokenDigest(secret);
    if (this.isAdminDigest(digest)) return { kind: 'admin' };
    if (this.identity && looksLikeJwt(secret)) return UNKNOWN;
    const token = this.owners.knownTokenByDigest?.(digest) ?? UNKNOWN;
    return token === UNKNOWN || token === undefined ? UNKNOWN : (this.validToken(token, digest) ?? UNKNOWN);
  }

  /** The admin token's digest never signs in to the web UI (a session must not carry the admin's reach). */
  isAdminSecret(secret: string): boolean {
    return this.isAdminDigest(tokenDigest(secret));
  }

  /**
   * The owner token whose secret has this digest, when it is still valid (a web UI session
   * keeps the digest, never the secret); undefined for a revoked, re-keyed or expired one.
   */
  async tokenPrincipal(digest: string): Promise<Principal | undefined> {
    const token = await this.owners.findTokenByDigest(digest);
    return token && this.validToken(token, digest);
  }

  /** The token's principal when it is the one presented and not expired (its use recorded), else undefined. */
  private validToken(token: TokenRecord, digest: string): Principal | undefined {
    // The lookup is by digest; the comparison below keeps the decision constant-time as well.
    if (!digestsEqual(token.digest, digest)) return undefined;
    if (token.expiresAt && token.expiresAt.getTime() <= Date.now()) return undefined;
    this.recordUse(token.owner, token.name);
    return { kind: 'token', owner: token.owner, name: token.name, scopes: token.scopes };
  }

  /** The kind of credential a secret is, for the metrics of a refused one (never its value). */
  credentialKindOf(secret: string): CredentialKind {
    if (this.isAdminDigest(tokenDigest(secret))) return 'admin';
    if (!this.identity || !looksLikeJwt(secret)) return 'token';
    return this.identity.verifier.kindOf(secret);
  }

  private isAdminDigest(digest: string): boolean {
    return this.adminDigest !== undefined && digestsEqual(digest, this.adminDigest);
  }

  private async authenticateIdentity(jwt: string, options: IdentityOptions): Promise<Principal> {
    const identity = await options.verifier.verify(jwt);
    if (isAdminServiceAccount(options.adminServiceAccounts, identity)) return { kind: 'admin', credential: 'kubernetes', subject: identity.subject };
    const scopes = scopesByOwner(await options.grants.listGrants(), identity);
    return { kind: 'identity', credential: identity.credential, issuer: identity.issuer, subject: identity.subject, scopes };
  }

  /** Every owner the principal may read, by name: what the web UI lists, searches and counts. */
  async readableOwners(principal: Principal): Promise<Owner[]> {
    return (await this.owners.listOwners()).filter((o) => canRead(principal, o));
  }

  /** The owner, when the principal may read it; otherwise exactly the nonexistent owner's answer. */
  async readableOwner(principal: Principal, name: string): Promise<Owner> {
    const owner = await this.visibleOwner(principal, name);
    if (!owner) throw notFound(NOT_FOUND_MESSAGE);
    return owner;
  }

  /** The owner when the principal may read it; undefined alike for a missing and a hidden owner. */
  async visibleOwner(principal: Principal, name: string): Promise<Owner | undefined> {
    return visible(principal, await this.owners.findOwner(name));
  }

  /** visibleOwner's answer when the owners are held in memory, else UNKNOWN. */
  knownVisibleOwner(principal: Principal, name: string): Known<Owner | undefined> {
    const owner = this.owners.knownOwner?.(name) ?? UNKNOWN;
    return owner === UNKNOWN ? UNKNOWN : visible(principal, owner);
  }

  /** The owner, when the principal may publish to or delete from it. */
  async writableOwner(principal: Principal, name: string): Promise<Owner> {
    if (principal.kind === 'anonymous') throw unauthorized('authentication required: use a token with write scope as the password');
    const owner = await this.owners.findOwner(name);
    if (!owner) throw notFound(NOT_FOUND_MESSAGE);
    if (canWrite(principal, owner)) return owner;
    if (canRead(principal, owner)) throw new DomainError('Forbidden', `this ${principal.kind === 'identity' ? 'identity' : 'token'} may not write to owner ${name}`);
    throw notFound(NOT_FOUND_MESSAGE);
  }

  requireAdmin(principal: Principal): void {
    if (principal.kind === 'anonymous') throw unauthorized('authentication required: use the admin token as a Bearer token');
    if (principal.kind !== 'admin') throw new DomainError('Forbidden', 'the admin API needs the admin token or an admin ServiceAccount');
  }

  /** Who a credential is (GET /api/v1/whoami, `go-registry whoami`); presenting none is 401. */
  whoami(principal: Principal): object {
    if (principal.kind === 'anonymous') throw unauthorized('authentication required: present a token as a Bearer token or the Basic password');
    // An identity's scopes per owner as a JSON object (a Map would serialize as {}).
    if (principal.kind === 'identity') return { ...principal, scopes: Object.fromEntries(principal.scopes) };
    return principal;
  }

  private recordUse(owner: string, name: string): void {
    const key = `${owner}\u0000${name}`;
    const now = Date.now();
    if (now - (this.lastRecorded.get(key) ?? 0) < LAST_USED_RESOLUTION_MS) return;
    // Entries older than the resolution decide nothing any more: swept once there are many,
    // at most once per resolution, so the map holds about the tokens used in the last minutes.
    if (this.lastRecorded.size >= LAST_RECORDED_SWEEP_AT && now - this.lastSwept >= LAST_USED_RESOLUTION_MS) {
      this.lastSwept = now;
      for (const [k, at] of this.lastRecorded) if (now - at >= LAST_USED_RESOLUTION_MS) this.lastRecorded.delete(k);
    }
    this.lastRecorded.set(key, now);
    this.owners.touchToken(owner, name, new Date(now)).catch(this.onUsed);
  }
}
