/**
 * Which source answers a GOPROXY request, on an owner's endpoint
 * (`/api/packages/{owner}/go`) and on the registry-wide one (`/go`):
 *
 * - a hosted module of an owner the caller may read;
 * - for a path under a claim that is not hosted there (or whose owner the caller may
 *   not see): the claimed-path miss, a 403, which stops the go command's `,` chain so
 *   it never asks another proxy about the path — the same answer whether the module,
 *   the owner or the caller's right is what is missing;
 * - otherwise the pull-through cache, when the endpoint uses it (the registry-wide one
 *   always; an owner's when it has `upstream` on), or not found (404, today's answer).
 */
import { DomainError } from '../domain/domain-error.js';
import type { Owner, Principal } from '../domain/owner.js';
import { UNKNOWN, type Known } from '../repository/known.js';
import type { OwnerRepository } from '../repository/owner-repository.js';
import type { AuthService } from './auth-service.js';

/** Hosted first when there is an owner to ask; then the fallback. */
export interface GoproxySource {
  hosted: Owner | undefined;
  fallback: 'claimed' | 'upstream' | 'not-found';
}

export const claimedMiss = (modulePath: string) =>
  new DomainError(
    'Forbidden',
    `${modulePath}: not found in this registry; its path is claimed here, so it is never fetched from another proxy`,
  );

/** An owner's endpoint: its own module when it hosts the path's claim (or there is none), the fallback by the claim and the owner's upstream. */
function viaOwner(hosted: Owner | undefined, claimant: string | undefined): GoproxySource {
  if (claimant !== undefined) return { hosted: claimant === hosted?.name ? hosted : undefined, fallback: 'claimed' };
  return { hosted, fallback: hosted?.upstream ? 'upstream' : 'not-found' };
}

export class GoproxyService {
  constructor(
    private readonly auth: AuthService,
    private readonly owners: OwnerRepository,
  ) {}

  async viaOwner(principal: Principal, ownerName: string, modulePath: string): Promise<GoproxySource> {
    return viaOwner(await this.auth.visibleOwner(principal, ownerName), await this.owners.findClaimant(modulePath));
  }

  /** viaOwner's answer when owners and claims are held in memory, else UNKNOWN. */
  knownViaOwner(principal: Principal, ownerName: string, modulePath: string): Known<GoproxySource> {
    const hosted = this.auth.knownVisibleOwner(principal, ownerName);
    const claimant = this.owners.knownClaimant?.(modulePath) ?? UNKNOWN;
    return hosted === UNKNOWN || claimant === UNKNOWN ? UNKNOWN : viaOwner(hosted, claimant);
  }

  /** Does this owner's endpoint fall through to the cache (and so serve the checksum database proxy) for this caller? */
  async fallsThrough(principal: Principal, ownerName: string): Promise<boolean> {
    return (await this.auth.visibleOwner(principal, ownerName))?.upstream === true;
  }

  async viaRegistry(principal: Principal, modulePath: string): Promise<GoproxySource> {
    const claimant = await this.owners.findClaimant(modulePath);
    if (claimant === undefined) return { hosted: undefined, fallback: 'upstream' };
    return { hosted: await this.auth.visibleOwner(principal, claimant), fallback: 'claimed' };
  }

  /** viaRegistry's answer when owners and claims are held in memory, else UNKNOWN. */
  knownViaRegistry(principal: Principal, modulePath: string): Known<GoproxySource> {
    const claimant = this.owners.knownClaimant?.(modulePath) ?? UNKNOWN;
    if (claimant === UNKNOWN) return UNKNOWN;
    if (claimant === undefined) return { hosted: undefined, fallback: 'upstream' };
    const hosted = this.auth.knownVisibleOwner(principal, claimant);
    return hosted === UNKNOWN ? UNKNOWN : { hosted, fallback: 'claimed' };
  }
}
