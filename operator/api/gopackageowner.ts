/** GoPackageOwner (goregistry.dev/v1alpha1) as the operator reads it, with the CRD's defaults applied. */
import type { KubernetesObject } from '@kubernetes/client-node';
import { desiredGrants, type AccessSpec, type DesiredGrant } from './access.js';

export const GROUP = 'goregistry.dev';
export const VERSION = 'v1alpha1';
export const PLURAL = 'gopackageowners';
export const KIND = 'GoPackageOwner';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const FINALIZER = 'goregistry.dev/cleanup';
export const MANAGED_BY = 'go-registry-operator';
/** Label on every Secret the operator writes: the name of the GoPackageOwner it belongs to. */
export const OWNER_RESOURCE_LABEL = 'goregistry.dev/gopackageowner';
export const TOKEN_NAME_LABEL = 'goregistry.dev/token';
export const ISSUED_AT_ANNOTATION = 'goregistry.dev/issued-at';

export type Visibility = 'public' | 'limited' | 'private';
export type Scope = 'read' | 'write';

export interface TokenSpec {
  name: string;
  scopes: Scope[];
  secretName?: string;
  rotateAfter?: string;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface TokenStatus {
  name: string;
  secretName: string;
  issuedAt?: string;
  rotateAt?: string;
}

export interface GoPackageOwnerStatus {
  observedGeneration?: number;
  owner?: string;
  tokenCount?: number;
  /** Names of the grants in the registry (spec.access). */
  grants?: string[];
  conditions?: Condition[];
  tokens?: TokenStatus[];
}

export interface GoPackageOwner extends KubernetesObject {
  spec: {
    owner?: string;
    visibility?: Visibility;
    deletionPolicy?: 'Retain' | 'Delete';
    /** Module-path prefixes only this owner publishes under, never fetched from an upstream. */
    claims?: string[];
    /** Whether the owner's endpoint falls through to the registry's pull-through cache. */
    upstream?: boolean;
    tokens?: TokenSpec[];
    /** ServiceAccounts and CI subjects that get scopes on the owner with their own tokens. */
    access?: AccessSpec[];
  };
  status?: GoPackageOwnerStatus;
}

export interface DesiredToken {
  name: string;
  scopes: Scope[];
  secretName: string;
  rotateAfterMs: number | undefined;
}

export interface DesiredOwner {
  owner: string;
  visibility: Visibility;
  deletionPolicy: 'Retain' | 'Delete';
  /** Sorted, without duplicates: the registry's own form, so the two compare as lists. */
  claims: string[];
  upstream: boolean;
  tokens: DesiredToken[];
  grants: DesiredGrant[];
}

/** The spec with the CRD's defaults (owner = metadata.name, secretName = <resource>-<token>, no claims, upstream off). */
export function desiredOwner(cr: GoPackageOwner): DesiredOwner {
  const name = cr.metadata!.name!;
  return {
    owner: cr.spec.owner ?? name,
    visibility: cr.spec.visibility ?? 'private',
    deletionPolicy: cr.spec.deletionPolicy ?? 'Retain',
    claims: [...new Set(cr.spec.claims ?? [])].sort(),
    upstream: cr.spec.upstream ?? false,
    tokens: (cr.spec.tokens ?? []).map((t) => ({
      name: t.name,
      scopes: [...new Set(t.scopes)].sort() as Scope[],
      secretName: t.secretName ?? `${name}-${t.name}`,
      rotateAfterMs: t.rotateAfter === undefined ? undefined : parseGoDuration(t.rotateAfter),
    })),
    grants: desiredGrants(cr.spec.access, cr.metadata!.namespace!),
  };
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration for positive durations ("720h", "1h30m"), in milliseconds. */
export function parseGoDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new Error(`invalid duration ${JSON.stringify(text)}`);
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]!]!, 0);
}

export const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;
export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
