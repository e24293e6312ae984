/**
 * Tokens of one GoPackageOwner: each spec token has a secret value that lives in its
 * Secret (the operator stores it nowhere else), is registered in the registry, and is
 * delivered in a Secret that says exactly what tokenSecret() says. Tokens and Secrets
 * that left the spec are revoked and deleted.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { ISSUED_AT_ANNOTATION, type DesiredOwner, type GoPackageOwner, type TokenStatus } from '../api/gopackageowner.js';
import type { RegistryAdminClient } from '../registry/admin-client.js';
import { secretMatches, secretValue, tokenSecret, type RegistryEndpoint } from './desired/token-secret.js';
import type { KubeClient } from './kube-client.js';

/** Records the issued value's digest, so an edited token in a Secret is noticed. */
export const TOKEN_DIGEST_ANNOTATION = 'goregistry.dev/token-sha256';

export type Note = (type: 'Normal' | 'Warning', reason: string, message: string) => void;

const digest = (value: string) => createHash('sha256').update(value).digest('hex');
const newTokenValue = () => 'gor_' + randomBytes(32).toString('base64url');

export class SecretConflictError extends Error {
  override name = 'SecretConflictError';
}

export async function syncTokens(
  cr: GoPackageOwner,
  desired: DesiredOwner,
  kube: KubeClient,
  registry: RegistryAdminClient,
  endpoint: RegistryEndpoint,
  note: Note,
  now: Date,
): Promise<TokenStatus[]> {
  const namespace = cr.metadata!.namespace!;
  const ours = await kube.listSecrets(namespace, cr.metadata!.name!);
  const statuses: TokenStatus[] = [];
  for (const token of desired.tokens) {
    const live = ours.find((s) => s.metadata?.name === token.secretName) ?? (await kube.readSecret(namespace, token.secretName));
    const controller = live?.metadata?.ownerReferences?.find((r) => r.controller)?.uid;
    if (live && controller !== cr.metadata!.uid) {
      throw new SecretConflictError(`Secret ${token.secretName} exists and is not managed by this GoPackageOwner`);
    }
    const kept = secretValue(live);
    const intact = kept !== undefined && live?.metadata?.annotations?.[TOKEN_DIGEST_ANNOTATION] === digest(kept);
    const value = intact ? kept : newTokenValue();
    const issuedAt = (intact && live?.metadata?.annotations?.[ISSUED_AT_ANNOTATION]) || now.toISOString();
    if (!intact) note('Normal', 'TokenIssued', `issued token ${token.name}${live ? ' (its Secret no longer held the issued value)' : ''}`);
    // Idempotent: re-registers the value after a registry restore, no-op otherwise.
    await registry.putToken(desired.owner, token.name, token.scopes, value);
    const want = tokenSecret(cr, desired.owner, token, value, issuedAt, endpoint);
    want.metadata!.annotations![TOKEN_DIGEST_ANNOTATION] = digest(value);
    await writeSecret(kube, live, want, note);
    statuses.push({ name: token.name, secretName: token.secretName, issuedAt });
  }
  await removeUndesired(cr, desired, ours, kube, registry, note);
  return statuses;
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
): Promise<void> {
  const names = new Set(desired.tokens.map((t) => t.name));
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
