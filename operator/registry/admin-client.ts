/**
 * The registry's admin API, the operator's only way into the registry. Answers
 * become typed outcomes: a managedBy clash is OwnerConflictError, a claim that overlaps
 * another owner's is ClaimConflictError, a claim the registry refuses as malformed is
 * InvalidClaimError, anything that says "try later" (network errors, 5xx) is
 * RegistryUnavailableError.
 */
import { EnvHttpProxyAgent, fetch, type Dispatcher } from 'undici';

export type Visibility = 'public' | 'limited' | 'private';

export interface RegistryToken {
  name: string;
  scopes: string[];
  /** RFC 3339; absent: never expires. */
  expiresAt?: string;
}

export interface RegistryOwner {
  name: string;
  visibility: Visibility;
  managedBy?: string;
  /** Sorted; absent from registries that predate claims. */
  claims?: string[];
  upstream?: boolean;
  tokens: RegistryToken[];
}

/** A grant as GET /api/admin/owners/{owner}/grants lists it. */
export interface RegistryGrant {
  name: string;
  scopes: string[];
  serviceAccount?: { namespace: string; name?: string };
  oidc?: { issuer: string; claims: Record<string, string> };
}

/** What PUT /api/admin/owners/{owner} sets: the whole of an owner's settings. */
export interface OwnerSettings {
  visibility: Visibility;
  managedBy: string;
  claims: string[];
  upstream: boolean;
}

export class RegistryUnavailableError extends Error {
  override name = 'RegistryUnavailableError';
}
export class OwnerConflictError extends Error {
  override name = 'OwnerConflictError';
}
/** A claim overlaps another owner's, or covers modules another owner hosts; the message names them. */
export class ClaimConflictError extends Error {
  override name = 'ClaimConflictError';
}
/** The registry refused a claim as malformed (a 400 about the claims). */
export class InvalidClaimError extends Error {
  override name = 'InvalidClaimError';
}
/** The registry refused a request as invalid (4xx other than 404/409): retrying will not help. */
export class RegistryRejectedError extends Error {
  override name = 'RegistryRejectedError';
}

export interface RegistryAdminClient {
  getOwner(owner: string): Promise<RegistryOwner | undefined>;
  /** @returns true when the call created the owner */
  putOwner(owner: string, settings: OwnerSettings): Promise<boolean>;
  deleteOwner(owner: string, force: boolean): Promise<void>;
  /** Gives up managedBy's claim on the owner, so another resource may manage it. */
  releaseOwner(owner: string, managedBy: string): Promise<void>;
  /**
   * Registers the token's secret (idempotent for the same value and expiry). With expiresAt the
   * registry itself refuses the token from then on, whether or not anyone revokes it.
   */
  putToken(owner: string, name: string, scopes: string[], token: string, expiresAt?: Date): Promise<void>;
  deleteToken(owner: string, name: string): Promise<void>;
  listGrants(owner: string): Promise<RegistryGrant[]>;
  /** Creates or replaces a grant (idempotent). */
  putGrant(owner: string, grant: RegistryGrant): Promise<void>;
  deleteGrant(owner: string, name: string): Promise<void>;
  /** The registry's own checksum database (name and verifier key); undefined for a registry without one. */
  getChecksumDatabase(): Promise<{ name: string; verifierKey: string } | undefined>;
}

export class HttpRegistryAdminClient implements RegistryAdminClient {
  private dispatcher: Dispatcher;
  /** The CA the current dispatcher verifies with. */
  private dispatcherCa: string | undefined;
  private readonly credential: () => string;
  private readonly ca: () => string | undefined;

  constructor(
    private readonly baseUrl: string,
    /** The admin token, or the operator's ServiceAccount token read again for each call (it is rotated). */
    credential: string | (() => string),
    /** The registry's CA, or where to read it for each call: connections made with another CA are replaced. */
    caPem?: string | (() => string | undefined),
    private readonly timeoutMs = 10_000,
    /** Keep-alive connections to the registry at most; calls beyond wait for one (the bound on its admin API). */
    private readonly connections = 16,
  ) {
    this.credential = typeof credential === 'string' ? () => credential : credential;
    this.ca = typeof caPem === 'function' ? caPem : () => caPem;
    this.dispatcherCa = this.ca();
    this.dispatcher = this.makeDispatcher(this.dispatcherCa);
  }

  private makeDispatcher(caPem: string | undefined): Dispatcher {
    // HTTPS_PROXY/HTTP_PROXY/NO_PROXY are honoured, as by kubectl and go: clusters with an egress proxy
    // (a public registry URL), and tests that route the Service's DNS name to a local registry.
    const tls = caPem ? { ca: caPem } : {};
    return new EnvHttpProxyAgent({ connect: tls, requestTls: tls, connections: this.connections, keepAliveTimeout: 30_000 });
  }

  /** The dispatcher for the current CA; a replaced one finishes its calls in flight and closes. */
  private currentDispatcher(): Dispatcher {
    const ca = this.ca();
    if (ca !== this.dispatcherCa) {
      const old = this.dispatcher;
      this.dispatcherCa = ca;
      this.dispatcher = this.makeDispatcher(ca);
      void old.close().catch(() => {});
    }
    return this.dispatcher;
  }

  private async call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    let res;
    try {
      res = await fetch(`${this.baseUrl.replace(/\/+$/, '')}/api/admin${path}`, {
        method,
        dispatcher: this.currentDispatcher(),
        headers: { Authorization: `Bearer ${this.credential()}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new RegistryUnavailableError(`registry unreachable: ${(err as Error).cause ?? (err as Error).message}`);
    }
    const text = await res.text();
    if (res.status >= 500) throw new RegistryUnavailableError(`registry answered ${res.status}: ${text.trim()}`);
    if (res.status === 401 || res.status === 403) throw new RegistryUnavailableError(`registry refused the operator's credential (${res.status}): ${text.trim()}`);
    return { status: res.status, text };
  }

  async getOwner(owner: string) {
    const r = await this.call('GET', `/owners/${owner}`);
    if (r.status === 404) return undefined;
    this.expect(r, [200]);
    return JSON.parse(r.text) as RegistryOwner;
  }

  async putOwner(owner: string, settings: OwnerSettings) {
    const r = await this.call('PUT', `/owners/${owner}`, settings);
    const message = r.text.trim();
    // Both conflicts are 409s; the registry's claim conflicts are the ones that start with the claim.
    if (r.status === 409) throw message.startsWith('claim "') ? new ClaimConflictError(message) : new OwnerConflictError(message);
    if (r.status === 400 && /\bclaims?\b/.test(message)) throw new InvalidClaimError(message);
    this.expect(r, [200, 201]);
    return r.status === 201;
  }

  async deleteOwner(owner: string, force: boolean) {
    const r = await this.call('DELETE', `/owners/${owner}${force ? '?force=true' : ''}`);
    this.expect(r, [204, 404]);
  }

  async releaseOwner(owner: string, managedBy: string) {
    const r = await this.call('DELETE', `/owners/${owner}/managed-by/${encodeURIComponent(managedBy)}`);
    this.expect(r, [204, 404]);
  }

  async putToken(owner: string, name: string, scopes: string[], token: string, expiresAt?: Date) {
    const r = await this.call('PUT', `/owners/${owner}/tokens/${name}`, { scopes, token, ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) });
    if (r.status === 404) throw new RegistryUnavailableError(`owner ${owner} vanished from the registry; retrying`);
    this.expect(r, [200, 201]);
  }

  async deleteToken(owner: string, name: string) {
    const r = await this.call('DELETE', `/owners/${owner}/tokens/${name}`);
    this.expect(r, [204, 404]);
  }

  async listGrants(owner: string) {
    const r = await this.call('GET', `/owners/${owner}/grants`);
    if (r.status === 404) return [];
    this.expect(r, [200]);
    return JSON.parse(r.text) as RegistryGrant[];
  }

  async putGrant(owner: string, { name, ...grant }: RegistryGrant) {
    const r = await this.call('PUT', `/owners/${owner}/grants/${name}`, grant);
    if (r.status === 404) throw new RegistryUnavailableError(`owner ${owner} vanished from the registry; retrying`);
    this.expect(r, [200, 201]);
  }

  async deleteGrant(owner: string, name: string) {
    const r = await this.call('DELETE', `/owners/${owner}/grants/${name}`);
    this.expect(r, [204, 404]);
  }

  async getChecksumDatabase() {
    const r = await this.call('GET', '/sumdb');
    if (r.status === 404) return undefined;
    this.expect(r, [200]);
    const { name, verifierKey } = JSON.parse(r.text) as { name: string; verifierKey: string };
    return { name, verifierKey };
  }

  private expect(r: { status: number; text: string }, ok: number[]) {
    if (!ok.includes(r.status)) throw new RegistryRejectedError(`registry answered ${r.status}: ${r.text.trim()}`);
  }
}
