/**
 * The Secret a token is delivered in: everything a Pod or CI job needs to run `go`
 * against the registry. A pure function of its inputs, so it is compared, not diffed.
 */
import type { V1Secret } from '@kubernetes/client-node';
import {
  API_VERSION,
  ISSUED_AT_ANNOTATION,
  KIND,
  MANAGED_BY,
  OWNER_RESOURCE_LABEL,
  TOKEN_NAME_LABEL,
  type DesiredOwner,
  type DesiredToken,
  type GoPackageOwner,
} from '../../api/gopackageowner.js';

export interface RegistryEndpoint {
  /** What clients use, e.g. https://registry.example.com */
  publicUrl: string;
  /** PEM of the private CA that signed the registry's certificate, if any. */
  caPem: string | undefined;
  /** GONOSUMDB written to the Secrets of owners without claims (SECRET_GONOSUMDB, `*` by default). */
  noSumDb: string;
  /**
   * The registry's own checksum database, when it has one: then the Secrets carry its GOSUMDB
   * and no GONOSUMDB, since it vouches for hosted and public modules alike.
   */
  checksumDatabase?: () => Promise<{ name: string; verifierKey: string } | undefined>;
}

/** What the Secret says about the owner: its name, claims and whether its endpoint falls through. */
export type SecretOwner = Pick<DesiredOwner, 'owner' | 'claims' | 'upstream'>;

/**
 * The go environment of an owner's tokens. GOPROXY is the owner's endpoint either way: with
 * upstream on, that endpoint itself serves public modules (through the pull-through cache) and
 * the checksum database, so a build needs nothing else; with it off it serves the owner's own
 * modules only, as before claims existed. GONOSUMDB is the owner's claims, the paths the checksum
 * database cannot know; an owner without claims keeps the configured value.
 */
export function goEnv(
  publicUrl: string,
  owner: SecretOwner,
  noSumDb: string,
  checksumDatabase?: { name: string; verifierKey: string },
): { GOPROXY: string; GONOSUMDB?: string; GOSUMDB?: string } {
  const base = publicUrl.replace(/\/+$/, '');
  const GOPROXY = `${base}/api/packages/${owner.owner}/go`;
  // The registry's database covers everything: go verifies every module, private ones included.
  if (checksumDatabase) return { GOPROXY, GOSUMDB: `${checksumDatabase.verifierKey} ${base}/sumdb/${checksumDatabase.name}` };
  return { GOPROXY, GONOSUMDB: owner.claims.length > 0 ? owner.claims.join(',') : noSumDb };
}

export function tokenSecret(
  cr: GoPackageOwner,
  owner: SecretOwner,
  token: DesiredToken,
  secret: string,
  issuedAt: string,
  registry: RegistryEndpoint,
  checksumDatabase?: { name: string; verifierKey: string },
): V1Secret {
  const url = new URL(registry.publicUrl);
  // go matches .netrc machines against host[:port]; URL.host omits default ports, as go does.
  const data: Record<string, string> = {
    token: secret,
    username: token.name,
    '.netrc': `machine ${url.host} login ${token.name} password ${secret}\n`,
    ...goEnv(registry.publicUrl, owner, registry.noSumDb, checksumDatabase),
  };
  if (registry.caPem) data['ca.crt'] = registry.caPem;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: token.secretName,
      namespace: cr.metadata!.namespace,
      labels: {
        'app.kubernetes.io/managed-by': MANAGED_BY,
        [OWNER_RESOURCE_LABEL]: cr.metadata!.name!,
        [TOKEN_NAME_LABEL]: token.name,
      },
      annotations: { [ISSUED_AT_ANNOTATION]: issuedAt },
      ownerReferences: [
        { apiVersion: API_VERSION, kind: KIND, name: cr.metadata!.name!, uid: cr.metadata!.uid!, controller: true, blockOwnerDeletion: true },
      ],
    },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

/** Annotations under this prefix are the operator's own: exactly the desired set, nothing more. */
const OWN_PREFIX = 'goregistry.dev/';
const own = (m: Record<string, string> | undefined) => Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => k.startsWith(OWN_PREFIX)));

/** Does the live Secret already say what the desired one says (data, labels, own annotations, controller reference)? */
export function secretMatches(live: V1Secret, desired: V1Secret): boolean {
  const same = (a: object | undefined, b: object | undefined) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
  const controllerUid = (s: V1Secret) => s.metadata?.ownerReferences?.find((r) => r.controller)?.uid;
  return (
    same(live.data, desired.data) &&
    Object.entries(desired.metadata?.labels ?? {}).every(([k, v]) => live.metadata?.labels?.[k] === v) &&
    same(own(live.metadata?.annotations), own(desired.metadata?.annotations)) &&
    controllerUid(live) === controllerUid(desired)
  );
}

/** The desired Secret's annotations, keeping others' (kubectl, tools) but replacing all of the operator's own. */
export function mergedAnnotations(live: V1Secret, desired: V1Secret): Record<string, string> {
  const foreign = Object.fromEntries(Object.entries(live.metadata?.annotations ?? {}).filter(([k]) => !k.startsWith(OWN_PREFIX)));
  return { ...foreign, ...desired.metadata?.annotations };
}

const sorted = (o: object | undefined) => (o ? Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b))) : {});

/** The token value a live Secret holds, if it is one of ours and intact. */
export function secretValue(live: V1Secret | undefined): string | undefined {
  const raw = live?.data?.token;
  if (!raw) return undefined;
  const value = Buffer.from(raw, 'base64').toString('utf8');
  return /^gor_[A-Za-z0-9_-]{43,200}$/.test(value) ? value : undefined;
}
