/**
 * The registry's grants of one owner kept in line with spec.access, level-based like
 * tokens: every reconcile lists the owner's grants, puts each desired one that is missing
 * or differs, and deletes those that left the spec. At rest it only reads.
 */
import { isDeepStrictEqual } from 'node:util';
import type { DesiredGrant } from '../api/access.js';
import type { RegistryAdminClient, RegistryGrant } from '../registry/admin-client.js';
import type { Note } from './token-sync.js';

const comparable = (g: DesiredGrant | RegistryGrant) => ({
  scopes: [...g.scopes].sort(),
  serviceAccount: g.serviceAccount && { namespace: g.serviceAccount.namespace, name: g.serviceAccount.name ?? undefined },
  oidc: g.oidc && { issuer: g.oidc.issuer, claims: g.oidc.claims },
});

/** Returns the names of the grants in place, sorted. */
export async function syncAccess(owner: string, desired: readonly DesiredGrant[], registry: RegistryAdminClient, note: Note): Promise<string[]> {
  const current = await registry.listGrants(owner);
  for (const want of desired) {
    const have = current.find((g) => g.name === want.name);
    if (have && isDeepStrictEqual(JSON.parse(JSON.stringify(comparable(have))), JSON.parse(JSON.stringify(comparable(want))))) continue;
    await registry.putGrant(owner, want);
    note('Normal', have ? 'GrantUpdated' : 'GrantCreated', `${have ? 'updated' : 'created'} grant ${want.name}: ${describe(want)}`);
  }
  const names = new Set(desired.map((g) => g.name));
  for (const g of current.filter((g) => !names.has(g.name))) {
    await registry.deleteGrant(owner, g.name);
    note('Normal', 'GrantRevoked', `revoked grant ${g.name}: no longer in spec.access`);
  }
  return [...names].sort();
}

function describe(g: DesiredGrant): string {
  const who = g.serviceAccount
    ? `ServiceAccount ${g.serviceAccount.namespace}/${g.serviceAccount.name ?? '*'}`
    : `tokens of ${g.oidc!.issuer} with ${Object.entries(g.oidc!.claims).map(([k, v]) => `${k}=${v}`).join(', ')}`;
  return `${who} → ${g.scopes.join(', ')}`;
}
