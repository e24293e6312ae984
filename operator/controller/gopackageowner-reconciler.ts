/**
 * Reconciles one GoPackageOwner into the registry: a function of the resource's
 * desired state and what the registry and the cluster hold now. It reads everything
 * each time, writes only what differs, and records the outcome once in status.
 */
import { accessProblem } from '../api/access.js';
import { claimProblem } from '../api/claims.js';
import { syncAccess } from './access-sync.js';
import { desiredOwner, FINALIZER, splitKey, type DesiredOwner, type GoPackageOwner, type TokenStatus } from '../api/gopackageowner.js';
import {
  ClaimConflictError,
  InvalidClaimError,
  OwnerConflictError,
  RegistryRejectedError,
  RegistryUnavailableError,
  type RegistryAdminClient,
  type RegistryOwner,
} from '../registry/admin-client.js';
import { TerminalError, type ReconcileResult } from '../runtime/controller.js';
import type { ConditionInput } from './conditions.js';
import type { RegistryEndpoint } from './desired/token-secret.js';
import type { CaConfigMaps } from './ca-config-map.js';
import type { KubeClient } from './kube-client.js';
import { desiredStatus, sameStatus } from './status.js';
import { SecretConflictError, syncTokens, type Note } from './token-sync.js';

/**
 * How often a resource that lost an owner or claim conflict checks whether the owner or prefix
 * was released (main.ts also wakes claim waiters whenever another GoPackageOwner changes).
 */
export const CONFLICT_RECHECK_MS = 60_000;
export const CLAIM_CONFLICT = 'ClaimConflict';
export const INVALID_CLAIM = 'InvalidClaim';
export const INVALID_ACCESS = 'InvalidAccess';
const MAX_REQUEUE_MS = 6 * 60 * 60_000;

export class GoPackageOwnerReconciler {
  constructor(
    private readonly kube: KubeClient,
    private readonly registry: RegistryAdminClient,
    private readonly endpoint: RegistryEndpoint,
    private readonly now: () => Date = () => new Date(),
    /** How long a rotated-out token stays valid. */
    private readonly graceMs = 60 * 60_000,
    /** Where the registry's CA is published for Pods without a Secret (CA_CONFIGMAP), if anywhere. */
    private readonly caConfigMaps?: CaConfigMaps,
  ) {}

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    let cr = await this.kube.getGoPackageOwner(namespace, name);
    if (!cr) return; // gone: its Secrets follow through their ownerReferences
    const desired = desiredOwner(cr);
    if (cr.metadata!.deletionTimestamp) return this.finalize(cr, desired);
    if (!cr.metadata!.finalizers?.includes(FINALIZER)) {
      cr = await this.kube.updateGoPackageOwner({ ...cr, metadata: { ...cr.metadata, finalizers: [...(cr.metadata!.finalizers ?? []), FINALIZER] } });
    }
    return this.sync(cr, desired);
  }

  private async sync(cr: GoPackageOwner, desired: DesiredOwner): Promise<ReconcileResult | void> {
    const note: Note = (type, reason, message) => void this.kube.event(cr, type, reason, message);
    const access = accessProblem(cr.spec.access);
    if (access) return this.invalidAccess(cr, desired, note, `invalid spec.access: ${access}`);
    try {
      const problem = claimProblem(desired.claims);
      if (problem) throw new InvalidClaimError(problem);
      await this.syncOwner(cr, desired, note);
    } catch (err) {
      if (err instanceof ClaimConflictError || err instanceof InvalidClaimError) {
        const reason = err instanceof ClaimConflictError ? CLAIM_CONFLICT : INVALID_CLAIM;
        note('Warning', reason, err.message);
        // The registry changed nothing (one PUT sets all of the owner's settings); tokens issued before stay valid.
        await this.writeStatus(cr, desired, cr.status?.tokens, [
          { type: 'Ready', status: 'False', reason, message: err.message },
          { type: 'OwnerSynced', status: 'False', reason, message: err.message },
          { type: 'TokensSynced', status: 'Unknown', reason, message: 'tokens wait for the claims' },
        ]);
        // A conflict ends when the other owner lets go: rechecked now and then, and on every change of another
        // GoPackageOwner. An invalid claim ends only with a new spec, which the watch delivers: not retried.
        if (err instanceof ClaimConflictError) return { requeueAfterMs: CONFLICT_RECHECK_MS };
        throw new TerminalError(err.message);
      }
      if (err instanceof OwnerConflictError) {
        note('Warning', 'OwnerConflict', err.message);
        await this.writeStatus(cr, desired, undefined, [
          { type: 'Ready', status: 'False', reason: 'OwnerConflict', message: err.message },
          { type: 'OwnerSynced', status: 'False', reason: 'OwnerConflict', message: err.message },
          { type: 'TokensSynced', status: 'Unknown', reason: 'OwnerConflict', message: 'tokens wait for the owner' },
        ]);
        return { requeueAfterMs: CONFLICT_RECHECK_MS };
      }
      return this.failed(cr, desired, err, 'OwnerSynced', note);
    }
    let tokens: TokenStatus[];
    let grants: string[];
    let nextDueAt: number | undefined;
    try {
      ({ statuses: tokens, nextDueAt } = await syncTokens(cr, desired, this.kube, this.registry, this.endpoint, note, this.now(), this.graceMs));
      grants = await syncAccess(desired.owner, desired.grants, this.registry, note);
      await this.caConfigMaps?.ensure(cr.metadata!.namespace!);
    } catch (err) {
      return this.failed(cr, desired, err, 'TokensSynced', note);
    }
    const granted = grants.length > 0 ? ` and ${grants.length} grants` : '';
    await this.writeStatus(cr, desired, tokens, [
      { type: 'Ready', status: 'True', reason: 'Reconciled', message: `owner ${desired.owner}, ${tokens.length} tokens${granted} are in place` },
      { type: 'OwnerSynced', status: 'True', reason: 'Reconciled', message: ownerSummary(desired) },
      { type: 'TokensSynced', status: 'True', reason: 'Reconciled', message: `${tokens.length} tokens registered and written to Secrets${granted ? `; grants ${grants.join(', ')} in the registry` : ''}` },
    ], grants);
    // Come back when a rotation or the end of a grace period is due.
    // (Capped: timers beyond 2^31 ms fire at once, and a periodic check is cheap.)
    if (nextDueAt !== undefined) return { requeueAfterMs: Math.min(MAX_REQUEUE_MS, Math.max(1000, nextDueAt - this.now().getTime())) };
  }

  private async syncOwner(cr: GoPackageOwner, desired: DesiredOwner, note: Note): Promise<void> {
    const current = await this.registry.getOwner(desired.owner);
    if (current && ownerInPlace(current, cr.metadata!.uid!, desired)) return;
    const { visibility, claims, upstream } = desired;
    await this.registry.putOwner(desired.owner, { visibility, managedBy: cr.metadata!.uid!, claims, upstream });
    if (!current) note('Normal', 'OwnerCreated', `created ${ownerSummary(desired)}`);
    else note('Normal', 'OwnerUpdated', `updated ${ownerSummary(desired)}`);
  }

  /** A spec.access the CRD would refuse (applied without its validation): nothing changes until the spec does. */
  private async invalidAccess(cr: GoPackageOwner, desired: DesiredOwner, note: Note, message: string): Promise<never> {
    note('Warning', INVALID_ACCESS, message);
    await this.writeStatus(cr, desired, cr.status?.tokens, [
      { type: 'Ready', status: 'False', reason: INVALID_ACCESS, message },
      cr.status?.conditions?.find((c) => c.type === 'OwnerSynced') ?? { type: 'OwnerSynced', status: 'Unknown', reason: INVALID_ACCESS, message: 'not attempted' },
      { type: 'TokensSynced', status: 'False', reason: INVALID_ACCESS, message },
    ]);
    throw new TerminalError(message);
  }

  /** Records a failure in status; transient ones are rethrown for a rate-limited retry. */
  private async failed(cr: GoPackageOwner, desired: DesiredOwner, err: unknown, condition: 'OwnerSynced' | 'TokensSynced', note: Note) {
    const reason =
      err instanceof RegistryUnavailableError ? 'RegistryUnavailable'
      : err instanceof SecretConflictError ? 'SecretConflict'
      : err instanceof RegistryRejectedError ? 'InvalidSpec'
      : 'ReconcileError';
    const message = (err as Error).message;
    note('Warning', reason, message);
    const other = condition === 'OwnerSynced' ? 'TokensSynced' : 'OwnerSynced';
    await this.writeStatus(cr, desired, cr.status?.tokens, [
      { type: 'Ready', status: 'False', reason, message },
      { type: condition, status: 'False', reason, message },
      cr.status?.conditions?.find((c) => c.type === other) ?? { type: other, status: 'Unknown', reason, message: 'not attempted' },
    ]).catch(() => {});
    throw err;
  }

  private async writeStatus(cr: GoPackageOwner, desired: DesiredOwner, tokens: TokenStatus[] | undefined, conditions: ConditionInput[], grants = cr.status?.grants) {
    const status = desiredStatus(cr.status, cr.metadata!.generation ?? 0, desired.owner, tokens, conditions, this.now(), grants);
    if (sameStatus(status, cr.status)) return; // at rest: no writes
    await this.kube.updateStatus({ ...cr, status });
  }

  /** Deletion: Delete removes the owner and its modules, Retain keeps them and revokes the tokens; then the finalizer goes. */
  private async finalize(cr: GoPackageOwner, desired: DesiredOwner): Promise<void> {
    if (!cr.metadata!.finalizers?.includes(FINALIZER)) return;
    const current = await this.registry.getOwner(desired.owner);
    // Only the resource that manages the owner may remove it: a conflicting resource leaves it alone.
    if (current && current.managedBy === cr.metadata!.uid) {
      if (desired.deletionPolicy === 'Delete') {
        await this.registry.deleteOwner(desired.owner, true);
      } else {
        for (const t of current.tokens) await this.registry.deleteToken(desired.owner, t.name);
        for (const g of await this.registry.listGrants(desired.owner)) await this.registry.deleteGrant(desired.owner, g.name);
        await this.registry.releaseOwner(desired.owner, cr.metadata!.uid!);
      }
    }
    const finalizers = cr.metadata!.finalizers.filter((f) => f !== FINALIZER);
    await this.kube.updateGoPackageOwner({ ...cr, metadata: { ...cr.metadata, finalizers } });
  }
}

/** Does the registry's owner already say what the spec says? */
export function ownerInPlace(current: RegistryOwner, uid: string, desired: DesiredOwner): boolean {
  return (
    current.managedBy === uid &&
    current.visibility === desired.visibility &&
    (current.upstream ?? false) === desired.upstream &&
    (current.claims ?? []).join('\n') === desired.claims.join('\n')
  );
}

/** "owner acme is private, claims example.com/acme, upstream on": the OwnerSynced message. */
export function ownerSummary(d: Pick<DesiredOwner, 'owner' | 'visibility' | 'claims' | 'upstream'>): string {
  const claims = d.claims.length > 0 ? `claims ${d.claims.join(', ')}` : 'no claims';
  return `owner ${d.owner} is ${d.visibility}, ${claims}, upstream ${d.upstream ? 'on' : 'off'}`;
}
