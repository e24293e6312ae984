/**
 * One OIDC issuer: its discovery document (`/.well-known/openid-configuration` → jwks_uri),
 * its key set through jose's remote JWKS (cached; a token with an unknown key id refetches
 * the set, at most once per cooldown, so a rotation is picked up and a removed key stops
 * verifying) and the checks of a token's signature and claims: issuer, audience, allowed
 * algorithms, exp/nbf/iat within the bounded clock skew.
 */
import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload } from 'jose';
import { DomainError, unavailable } from '../domain/domain-error.js';
import type { OidcIssuerConfig } from '../config/oidc-issuers.js';
import { IssuerHttp } from './issuer-http.js';

const TIMEOUT_MS = 5000;
/** Keys are refetched this often even when every kid is known. */
const JWKS_MAX_AGE_MS = 10 * 60_000;
/** A failed discovery is tried again no sooner than this. */
const DISCOVERY_RETRY_MS = 5000;

const refused = (reason: string) => new DomainError('Unauthorized', `token refused: ${reason}`);

type KeySet = ReturnType<typeof createRemoteJWKSet>;

export class OidcIssuer {
  readonly http: IssuerHttp;
  private keys: Promise<KeySet> | undefined;
  private failedAt = -Infinity;

  constructor(readonly config: OidcIssuerConfig) {
    this.http = new IssuerHttp({ caFile: config.caFile, tokenFile: config.tokenFile, origin: new URL(config.url).origin, timeoutMs: TIMEOUT_MS });
  }

  /** The verified claims; Unauthorized naming the failed check, Unavailable when the issuer cannot be reached. */
  async verify(jwt: string): Promise<JWTPayload> {
    const keys = await this.keySet();
    const skew = this.config.clockSkewSeconds;
    try {
      const { payload } = await jwtVerify(jwt, keys, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.config.algorithms,
        clockTolerance: skew,
        requiredClaims: ['exp', 'iat', 'sub'],
      });
      if (payload.iat! > Date.now() / 1000 + skew) throw refused('issued in the future (iat)');
      return payload;
    } catch (err) {
      throw explain(err, this.config.issuer);
    }
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private keySet(): Promise<KeySet> {
    if (!this.keys && Date.now() - this.failedAt < DISCOVERY_RETRY_MS) {
      return Promise.reject(unavailable(`the issuer ${this.config.issuer} could not be reached; try again`));
    }
    this.keys ??= this.discover().catch((err: unknown) => {
      this.keys = undefined;
      this.failedAt = Date.now();
      throw unavailable(`the issuer ${this.config.issuer} could not be reached (${(err as Error).message}); try again`);
    });
    return this.keys;
  }

  private async discover(): Promise<KeySet> {
    const doc = (await this.http.json(`${this.config.url}/.well-known/openid-configuration`)) as { issuer?: unknown; jwks_uri?: unknown };
    if (doc.issuer !== this.config.issuer) throw new Error(`discovery names issuer ${String(doc.issuer)}, not ${this.config.issuer}`);
    if (typeof doc.jwks_uri !== 'string') throw new Error('discovery has no jwks_uri');
    const jwks = this.jwksUrl(doc.jwks_uri);
    return createRemoteJWKSet(jwks, {
      timeoutDuration: TIMEOUT_MS,
      cooldownDuration: this.config.jwksCooldownSeconds * 1000,
      cacheMaxAge: JWKS_MAX_AGE_MS,
      [customFetch]: (url, options) => this.http.fetch(url, { headers: Object.fromEntries(options.headers), signal: options.signal }),
    });
  }

  /**
   * The jwks_uri. A Kubernetes API server names its advertise address or a provider's public
   * endpoint there, which the registry may not reach with the API server's CA and token: its keys
   * are then read from the API server itself (`/openid/v1/jwks`, which every API server serves).
   * Another issuer's jwks_uri on the issuer's own host is read through `url` when one is given.
   */
  private jwksUrl(jwksUri: string): URL {
    const u = new URL(jwksUri);
    const base = new URL(this.config.url);
    if (base.origin !== u.origin) {
      if (this.config.kind === 'kubernetes') return new URL('/openid/v1/jwks', base.origin);
      if (u.origin === new URL(this.config.issuer).origin) return new URL(u.pathname + u.search, base.origin);
    }
    if (u.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) throw new Error(`jwks_uri ${jwksUri} is not https`);
    return u;
  }
}

/** jose's reasons as short texts for the 401; a key set that cannot be fetched is a 503. */
function explain(err: unknown, issuer: string): unknown {
  if (err instanceof DomainError) return err;
  if (err instanceof errors.JWTExpired) return refused('expired (exp)');
  if (err instanceof errors.JWTClaimValidationFailed) return refused(`claim ${err.claim} ${err.reason === 'check_failed' ? 'does not match' : err.reason.replaceAll('_', ' ')}`);
  if (err instanceof errors.JOSEAlgNotAllowed) return refused('algorithm not allowed');
  if (err instanceof errors.JWKSNoMatchingKey) return refused('signed by a key the issuer does not publish');
  if (err instanceof errors.JWSSignatureVerificationFailed) return refused('signature does not verify');
  if (err instanceof errors.JWKSTimeout) return unavailable(`the issuer ${issuer} did not answer in time; try again`);
  // The key set's answer was not a 200 with a key set: the issuer's fault, not the token's.
  if (err instanceof errors.JWKSInvalid || (err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC')) {
    return unavailable(`the keys of issuer ${issuer} could not be fetched (${err.message}); try again`);
  }
  if (err instanceof errors.JOSEError) return refused(`malformed (${err.code})`);
  return unavailable(`the keys of issuer ${issuer} could not be fetched (${(err as Error).message}); try again`);
}
