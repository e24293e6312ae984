/**
 * OIDC_ISSUERS: the issuers whose JWTs the registry accepts as credentials, as a JSON
 * list; ADMIN_SERVICE_ACCOUNTS: `namespace/name` entries whose Kubernetes tokens are the
 * admin. Parsed once at boot with zod; the key files named here are read at run time.
 */
import path from 'node:path';
import { z } from 'zod';

/** Asymmetric algorithms only: `none` and the HMAC family (key confusion) can never be configured. */
export const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
const DEFAULT_ALGORITHMS = ['RS256', 'ES256'] as const;

const LOOPBACK = /^https?:\/\/(127\.\d+\.\d+\.\d+|\[::1\]|localhost)(:\d+)?(\/|$)/;
const url = z
  .string()
  .url()
  .refine((u) => u.startsWith('https://') || LOOPBACK.test(u), 'must be an https:// URL (http:// only on loopback)')
  .refine((u) => !u.endsWith('/'), 'without a trailing slash');

const issuerSchema = z
  .object({
    issuer: url.describe('the `iss` claim, exactly'),
    kind: z.enum(['oidc', 'kubernetes']).default('oidc'),
    audience: z.string().min(1).max(256),
    /** Where discovery is fetched when not at the issuer URL (the API server's address). */
    url: url.optional(),
    caFile: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
    algorithms: z.array(z.enum(ALGORITHMS)).min(1).optional(),
    clockSkewSeconds: z.number().int().min(0).max(300).default(30),
    /** A token with a key id not in the cached key set refetches the set at most this often. */
    jwksCooldownSeconds: z.number().int().min(0).max(3600).default(30),
    /** Kubernetes: how long a TokenReview answer is reused (0: ask every time). */
    reviewCacheSeconds: z.number().int().min(0).max(30).default(10),
    /** Kubernetes: ask the API server whether the token (and its ServiceAccount) is still valid. */
    tokenReview: z.boolean().default(true),
  })
  .strict();

export interface OidcIssuerConfig {
  issuer: string;
  kind: 'oidc' | 'kubernetes';
  audience: string;
  /** Base URL for discovery (and, for Kubernetes, TokenReview); the issuer unless given. */
  url: string;
  caFile: string | undefined;
  tokenFile: string | undefined;
  algorithms: string[];
  clockSkewSeconds: number;
  jwksCooldownSeconds: number;
  reviewCacheSeconds: number;
  tokenReview: boolean;
}

export interface IdentityConfig {
  issuers: OidcIssuerConfig[];
  adminServiceAccounts: { namespace: string; name: string }[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** The parsed settings, or the message of the first problem (ConfigError's text). */
export function parseIdentityConfig(issuersJson: string | undefined, adminServiceAccounts: string | undefined): IdentityConfig | string {
  let issuers: OidcIssuerConfig[] = [];
  if (issuersJson) {
    let raw: unknown;
    try {
      raw = JSON.parse(issuersJson);
    } catch (err) {
      return `OIDC_ISSUERS: not JSON: ${(err as Error).message}`;
    }
    const parsed = z.array(issuerSchema).max(16).safeParse(raw);
    if (!parsed.success) return `OIDC_ISSUERS: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
    issuers = parsed.data.map((i) => ({
      ...i,
      url: i.url ?? i.issuer,
      caFile: i.caFile && path.resolve(i.caFile),
      tokenFile: i.tokenFile && path.resolve(i.tokenFile),
      algorithms: [...(i.algorithms ?? DEFAULT_ALGORITHMS)],
    }));
    const seen = new Set<string>();
    for (const i of issuers) {
      if (seen.has(i.issuer)) return `OIDC_ISSUERS: issuer ${i.issuer} is listed twice`;
      seen.add(i.issuer);
    }
  }
  const admins = (adminServiceAccounts ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const parsedAdmins: { namespace: string; name: string }[] = [];
  for (const entry of admins) {
    const [namespace, name, ...rest] = entry.split('/');
    if (rest.length > 0 || !namespace || !name || !DNS_LABEL.test(namespace) || !DNS_SUBDOMAIN.test(name)) {
      return `ADMIN_SERVICE_ACCOUNTS: "${entry}" is not namespace/name`;
    }
    parsedAdmins.push({ namespace, name });
  }
  if (parsedAdmins.length > 0 && !issuers.some((i) => i.kind === 'kubernetes')) {
    return 'ADMIN_SERVICE_ACCOUNTS needs an issuer of kind kubernetes in OIDC_ISSUERS';
  }
  return { issuers, adminServiceAccounts: parsedAdmins };
}
