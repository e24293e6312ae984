/**
 * A GoPackageOwner's status: built from what a reconcile found, and compared with the
 * status the API server holds as a value, so a reconcile that changes nothing writes
 * nothing. The API server returns a custom resource's fields in its own key order
 * (sorted), not the order the operator built them in, so text comparison would see a
 * change every time.
 */
import { isDeepStrictEqual } from 'node:util';
import type { GoPackageOwnerStatus, TokenStatus } from '../api/gopackageowner.js';
import { setConditions, type ConditionInput } from './conditions.js';

export function desiredStatus(
  current: GoPackageOwnerStatus | undefined,
  generation: number,
  owner: string,
  tokens: TokenStatus[] | undefined,
  conditions: ConditionInput[],
  now: Date,
  grants?: string[],
): GoPackageOwnerStatus {
  return {
    observedGeneration: generation,
    owner,
    tokenCount: tokens?.length ?? 0,
    ...(grants === undefined ? {} : { grants }),
    conditions: setConditions(current?.conditions, conditions.map(({ type, status, reason, message }) => ({ type, status, reason, message })), generation, now),
    tokens: tokens ?? [],
  };
}

/**
 * Whether two statuses say the same thing, as the API server round-trips them: key order
 * never matters; a field that is undefined, null or absent is absent (JSON drops undefined,
 * the API server prunes nulls of fields that are not nullable); empty lists are kept, as the
 * API server keeps them; conditions and tokens are maps keyed by type and by name
 * (x-kubernetes-list-type: map), so their order does not matter either.
 */
export function sameStatus(a: GoPackageOwnerStatus | undefined, b: GoPackageOwnerStatus | undefined): boolean {
  return isDeepStrictEqual(canonicalStatus(a), canonicalStatus(b));
}

function canonicalStatus(status: GoPackageOwnerStatus | undefined): unknown {
  const s = canonical(status ?? {}) as Record<string, unknown>;
  for (const [list, key] of [['conditions', 'type'], ['tokens', 'name']] as const) {
    const items = s[list];
    if (Array.isArray(items)) s[list] = [...(items as Record<string, unknown>[])].sort((x, y) => String(x[key]).localeCompare(String(y[key])));
  }
  return s;
}

/** Plain JSON data with undefined and null fields left out (isDeepStrictEqual ignores key order). */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}
