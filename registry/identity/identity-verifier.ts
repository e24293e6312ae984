/**
 * Turns a presented JWT into a verified Identity: the configured issuer its `iss` names
 * verifies it (`oidc-issuer.ts`); a Kubernetes issuer's token must also carry the
 * ServiceAccount claims and, unless turned off, pass a TokenReview (`token-review.ts`), so
 * the token of a deleted ServiceAccount is refused although its signature still verifies.
 */
import { decodeJwt, type JWTPayload } from 'jose';
import { DomainError } from '../domain/domain-error.js';
import type { Identity } from '../domain/identity.js';
import type { OidcIssuerConfig } from '../config/oidc-issuers.js';
import { OidcIssuer } from './oidc-issuer.js';
import { TokenReviewer } from './token-review.js';

/** The port the auth service asks. */
export interface IdentityVerifier {
  verify(jwt: string): Promise<Identity>;
  /** The credential kind the token's issuer gives (for metrics), `oidc` when unknown. */
  kindOf(jwt: string): 'kubernetes' | 'oidc';
  close(): Promise<void>;
}

const refused = (reason: string) => new DomainError('Unauthorized', `token refused: ${reason}`);

interface Issuer {
  oidc: OidcIssuer;
  review: TokenReviewer | undefined;
}

export class OidcIdentityVerifier implements IdentityVerifier {
  private readonly issuers = new Map<string, Issuer>();

  constructor(configs: readonly OidcIssuerConfig[]) {
    for (const c of configs) {
      const oidc = new OidcIssuer(c);
      const review = c.kind === 'kubernetes' && c.tokenReview ? new TokenReviewer(oidc.http, c.url, c.audience, c.reviewCacheSeconds) : undefined;
      this.issuers.set(c.issuer, { oidc, review });
    }
  }

  async verify(jwt: string): Promise<Identity> {
    let iss: unknown;
    try {
      iss = decodeJwt(jwt).iss;
    } catch {
      throw refused('not a well-formed JWT');
    }
    const issuer = typeof iss === 'string' ? this.issuers.get(iss) : undefined;
    if (!issuer) throw refused('its issuer (iss) is not one this registry accepts');
    const claims = await issuer.oidc.verify(jwt);
    if (issuer.oidc.config.kind === 'oidc') return { credential: 'oidc', issuer: issuer.oidc.config.issuer, subject: claims.sub!, claims };
    const sa = serviceAccountOf(claims);
    if (issuer.review) {
      const user = await issuer.review.review(jwt, claims.exp! * 1000);
      if (!user) throw refused('the Kubernetes API server no longer accepts it (its ServiceAccount or Pod was deleted, or it was revoked)');
      if (user.username !== claims.sub || (user.uid !== undefined && sa.uid !== undefined && user.uid !== sa.uid)) {
        throw refused('the Kubernetes API server names another user for it');
      }
    }
    return { credential: 'kubernetes', issuer: issuer.oidc.config.issuer, subject: claims.sub!, serviceAccount: { namespace: sa.namespace, name: sa.name }, claims };
  }

  kindOf(jwt: string): 'kubernetes' | 'oidc' {
    try {
      const iss = decodeJwt(jwt).iss;
      return (iss !== undefined && this.issuers.get(iss)?.oidc.config.kind) || 'oidc';
    } catch {
      return 'oidc';
    }
  }

  async close(): Promise<void> {
    for (const i of this.issuers.values()) await i.oidc.close();
  }
}

/** The `kubernetes.io` claims of a ServiceAccount token, consistent with its `sub`. */
function serviceAccountOf(claims: JWTPayload): { namespace: string; name: string; uid: string | undefined } {
  const k = claims['kubernetes.io'] as { namespace?: unknown; serviceaccount?: { name?: unknown; uid?: unknown } } | undefined;
  const namespace = k?.namespace;
  const name = k?.serviceaccount?.name;
  if (typeof namespace !== 'string' || typeof name !== 'string') throw refused('not a ServiceAccount token (no kubernetes.io claims)');
  if (claims.sub !== `system:serviceaccount:${namespace}:${name}`) throw refused('its sub does not name its ServiceAccount');
  const uid = k?.serviceaccount?.uid;
  return { namespace, name, uid: typeof uid === 'string' ? uid : undefined };
}
