/**
 * Tokens of one GoPackageOwner: each spec token has a secret value that lives in its
 * Secret (the operator stores it nowhere else), is registered in the registry, and is
 * delivered in a Secret that says exactly what tokenSecret() says. Tokens and Secrets
 * that left the spec are revoked and deleted.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { ISSUED_AT_ANNOTATION, type DesiredOwner, type DesiredToken, type GoPackageOwner, type TokenStatus } from '../api/gopackageowner.js';
import type { RegistryAdminClient } from '../registry/admin-client.js';
import { secretMatches, secretValue, tokenSecret, type RegistryEndpoint } from './desired/token-secret.js';
import type { KubeClient } from './kube-client.js';

/** Records the issued value's digest, so an edited token in a Secret is noticed. */
export const TOKEN_DIGEST_ANNOTATION = 'goregistry.dev/token-sha256';
/** When the rotated-out value's grace period ends; the value itself is the Secret's `previous-token` key. */
export const PREVIOUS_EXPIRES_ANNOTATION = 'goregistry.dev/previous-token-expires-at';
export const PREVIOUS_TOKEN_KEY = 'previous-token';

export type Note = (type: 'Normal' | 'Warning', reason: string, message: string) => void;

const digest = (value: string) => createHash('sha256').update(value).digest('hex');
const newTokenValue = () => 'gor_' + randomBytes(32).toString('base64url');

export class SecretConflictError extends Error {
  override name = 'SecretConflictError';
}

export interface TokenSyncResult {
  statuses: TokenStatus[];
  /** When a rotation or the end of a grace period is due next, if ever. */
  nextDueAt: number | undefined;
}

export async function syncTokens(
  cr: GoPackageOwner,
  desired: DesiredOwner,
  kube: KubeClient,
  registry: RegistryAdminClient,
  endpoint: RegistryEndpoint,
  note: Note,
  now: Date,
  graceMs: number,
): Promise<TokenSyncResult> {
  const namespace = cr.metadata!.namespace!;
  const ours = await kube.listSecrets(namespace, cr.metadata!.name!);
  const statuses: TokenStatus[] = [];
  const checksumDatabase = await endpoint.checksumDatabase?.();
  const inGrace = new Set<string>();
  let nextDueAt: number | undefined;
  const due = (at: number) => (nextDueAt = Math.min(nextDueAt ?? at, at));
  for (const token of desired.tokens) {
    const live = ours.find((s) => s.metadata?.name === token.secretName) ?? (await kube.readSecret(namespace, token.secretName));
    const controller = live?.metadata?.ownerReferences?.find((r) => r.controller)?.uid;
    if (live && controller !== cr.metadata!.uid) {
      throw new SecretConflictError(`Secret ${token.secretName} exists and is not managed by this GoPackageOwner`);
    }
    const plan = planToken(token, live, now, graceMs);
    if (plan.reason) note('Normal', plan.rotating ? 'TokenRotated' : 'TokenIssued', `${plan.reason}: token ${token.name}`);
    // Idempotent: re-registers the value after a registry restore, no-op otherwise.
    await registry.putToken(desired.owner, token.name, token.scopes, plan.value);
    if (plan.previous) {
      // Expires in the registry at the end of the grace, so it ends then even if no operator runs to revoke it.
      await registry.putToken(desired.owner, previousName(token.name), token.scopes, plan.previous.value, new Date(plan.previous.expiresAt));
      inGrace.add(previousName(token.name));
      due(plan.previous.expiresAt);
    }
    const want = tokenSecret(cr, desired, token, plan.value, plan.issuedAt, endpoint, checksumDatabase);
    want.metadata!.annotations![TOKEN_DIGEST_ANNOTATION] = digest(plan.value);
    if (plan.previous) {
      want.metadata!.annotations![PREVIOUS_EXPIRES_ANNOTATION] = new Date(plan.previous.expiresAt).toISOString();
      want.data![PREVIOUS_TOKEN_KEY] = Buffer.from(plan.previous.value).toString('base64');
    }
    await writeSecret(kube, live, want, note);
    const rotateAt = token.rotateAfterMs === undefined ? undefined : Date.parse(plan.issuedAt) + token.rotateAfterMs;
    if (rotateAt !== undefined) due(rotateAt);
    statuses.push({ name: token.name, secretName: token.secretName, issuedAt: plan.issuedAt, ...(rotateAt ? { rotateAt: new Date(rotateAt).toISOString() } : {}) });
  }
  await removeUndesired(cr, desired, ours, kube, registry, note, inGrace);
  return { statuses, nextDueAt };
}

/** The registry name under which a rotated-out value stays valid during its grace period. */
export const previousName = (name: string) => `${name}.old`;

interface TokenPlan {
  value: string;
  issuedAt: string;
  previous?: { value: string; expiresAt: number };
  rotating: boolean;
  /** Why a new value was issued, if one was. */
  reason?: string;
}

/** Keep the Secret's value, issue a first or replacement one, or rotate an old one out with a grace period. */
function planToken(token: DesiredToken, live: V1Secret | undefined, now: Date, graceMs: number): TokenPlan {
  const annotations = live?.metadata?.annotations ?? {};
  const kept = secretValue(live);
  const intact = kept !== undefined && annotations[TOKEN_DIGEST_ANNOTATION] === digest(kept);
  if (!intact) {
    return { value: newTokenValue(), issuedAt: now.toISOString(), rotating: false, reason: live ? 'replaced a Secret that no longer held the issued value' : 'issued' };
  }
  const issuedAt = annotations[ISSUED_AT_ANNOTATION] || now.toISOString();
  const previous = previousOf(live);
  if (token.rotateAfterMs !== undefined && Date.parse(issuedAt) + token.rotateAfterMs <= now.getTime()) {
    return { value: newTokenValue(), issuedAt: now.toISOString(), previous: { value: kept, expiresAt: now.getTime() + graceMs }, rotating: true, reason: 'rotated' };
  }
  const stillValid = previous && previous.expiresAt > now.getTime() ? previous : undefined;
  return { value: kept, issuedAt, previous: stillValid, rotating: false };
}

function previousOf(live: V1Secret | undefined): { value: string; expiresAt: number } | undefined {
  const expiresAt = Date.parse(live?.metadata?.annotations?.[PREVIOUS_EXPIRES_ANNOTATION] ?? '');
  const raw = live?.data?.[PREVIOUS_TOKEN_KEY];
  return raw && !Number.isNaN(expiresAt) ? { value: Buffer.from(raw, 'base64').toString('utf8'), expiresAt } : undefined;
}

async function writeSecret(kube: KubeClient, live: V1Secret | undefined, want: V1Secret, note: Note): Promise<void> {
  if (!live) {
    await kube.createSecret(want);
    note('Normal', 'SecretWritten', `wrote Secret ${want.metadata!.name}`);
  } else if (!secretMatches(live, want)) {
    await kube.replaceSecret(live, want);
    note('Normal', 'SecretRepaired', `rewrote Secret ${want.metadata!.name}`);
  }
}

async function removeUndesired(
  cr: GoPackageOwner,
  desired: DesiredOwner,
  ours: V1Secret[],
  kube: KubeClient,
  registry: RegistryAdminClient,
  note: Note,
  inGrace: Set<string>,
): Promise<void> {
  const names = new Set([...desired.tokens.map((t) => t.name), ...inGrace]);
  const registered = (await registry.getOwner(desired.owner))?.tokens ?? [];
  for (const t of registered.filter((t) => !names.has(t.name))) {
    await registry.deleteToken(desired.owner, t.name);
    note('Normal', 'TokenRevoked', `revoked token ${t.name}: no longer in spec`);
  }
  const secretNames = new Set(desired.tokens.map((t) => t.secretName));
  for (const s of ours.filter((s) => !secretNames.has(s.metadata!.name!))) {
    await kube.deleteSecret(cr.metadata!.namespace!, s.metadata!.name!);
    note('Normal', 'SecretDeleted', `deleted Secret ${s.metadata!.name}: its token left the spec`);
  }
}
