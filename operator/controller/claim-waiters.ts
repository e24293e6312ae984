/**
 * Resources waiting on a claim conflict are woken when another GoPackageOwner changes:
 * a prefix they want may just have been released (a claim dropped, a resource deleted).
 * Waking them on every event of another resource is cheap (a waiter at rest writes
 * nothing) and needs no memory of what the other resource claimed before.
 */
import { keyOf, type GoPackageOwner } from '../api/gopackageowner.js';
import { CLAIM_CONFLICT } from './gopackageowner-reconciler.js';

/** Whether the resource waits for a prefix another owner claims (Ready=False, ClaimConflict). */
export const waitsForClaim = (o: GoPackageOwner) =>
  o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'False' && c.reason === CLAIM_CONFLICT) === true;

/** Keys of the cached resources in ClaimConflict, other than the one that changed. */
export function claimWaiters(cached: readonly GoPackageOwner[], changed: GoPackageOwner): string[] {
  const changedKey = keyOf(changed.metadata!.namespace!, changed.metadata!.name!);
  return cached
    .filter(waitsForClaim)
    .map((o) => keyOf(o.metadata!.namespace!, o.metadata!.name!))
    .filter((key) => key !== changedKey);
}
