/**
 * Every authentication and authorization decision of the registry lives here:
 * who a request is (admin token, owner token, nobody) and what it may do to an
 * owner. An owner a principal may not read is answered exactly like one that does
 * not exist, so existence never leaks.
 */
import { DomainError, notFound } from '../domain/domain-error.js';
import { canRead, canWrite, type Owner, type Principal } from '../domain/owner.js';
import { digestsEqual, tokenDigest } from '../domain/token-secret.js';
import type { OwnerRepository } from '../repository/owner-repository.js';

/** Recording last use at most this often keeps reads from writing on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;
/** Tokens remembered before the stale ones are swept. */
const LAST_RECORDED_SWEEP_AT = 10_000;

export const NOT_FOUND_MESSAGE = 'not found';
const unauthorized = (message: string) => new DomainError('Unauthorized', message);

export class AuthService {
  private readonly adminDigest: string;
  private readonly lastRecorded = new Map<string, number>();
  private lastSwept = 0;

  constructor(
    private readonly owners: OwnerRepository,
    adminToken: string,
    private readonly onUsed: (err: unknown) => void = () => {},
  ) {
    this.adminDigest = tokenDigest(adminToken);
  }

  /** The principal behind a presented secret; a presented but invalid secret is 401, never anonymous. */
  async authenticate(secret: string | undefined): Promise<Principal> {
    if (secret === undefined) return { kind: 'anonymous' };
    const digest = tokenDigest(secret);
    if (digestsEqual(digest, this.adminDigest)) return { kind: 'admin' };
    const principal = await this.tokenPrincipal(digest);
    if (!principal) throw unauthorized('invalid, revoked or expired token');
    return principal;
  }

  /** The admin token's digest never signs in to the web UI (a session must not carry the admin's reach). */
  isAdminSecret(secret: string): boolean {
    return digestsEqual(tokenDigest(secret), this.adminDigest);
  }

  /**
   * The owner token whose secret has this digest, when it is still valid (a web UI session
   * keeps the digest, never the secret); undefined for a revoked, re-keyed or expired one.
   */
  async tokenPrincipal(digest: string): Promise<Principal | undefined> {
    const token = await this.owners.findTokenByDigest(digest);
    // The lookup is by digest; the comparison below keeps the decision constant-time as well.
    if (!token || !digestsEqual(token.digest, digest)) return undefined;
    if (token.expiresAt && token.expiresAt.getTime() <= Date.now()) return undefined;
    this.recordUse(token.owner, token.name);
    return { kind: 'token', owner: token.owner, name: token.name, scopes: token.scopes };
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
    const owner = await this.owners.findOwner(name);
    return owner && canRead(principal, owner) ? owner : undefined;
  }

  /** The owner, when the principal may publish to or delete from it. */
  async writableOwner(principal: Principal, name: string): Promise<Owner> {
    if (principal.kind === 'anonymous') throw unauthorized('authentication required: use a token with write scope as the password');
    const owner = await this.owners.findOwner(name);
    if (!owner) throw notFound(NOT_FOUND_MESSAGE);
    if (canWrite(principal, owner)) return owner;
    if (canRead(principal, owner)) throw new DomainError('Forbidden', `this token may not write to owner ${name}`);
    throw notFound(NOT_FOUND_MESSAGE);
  }

  requireAdmin(principal: Principal): void {
    if (principal.kind === 'anonymous') throw unauthorized('authentication required: use the admin token as a Bearer token');
    if (principal.kind !== 'admin') throw new DomainError('Forbidden', 'the admin API needs the admin token');
  }

  /** Who a credential is (GET /api/v1/whoami, `go-registry whoami`); presenting none is 401. */
  whoami(principal: Principal): Exclude<Principal, { kind: 'anonymous' }> {
    if (principal.kind === 'anonymous') throw unauthorized('authentication required: present a token as a Bearer token or the Basic password');
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
