/**
 * Asks the Kubernetes API server whether a ServiceAccount token it signed is still valid
 * (TokenReview, authentication.k8s.io/v1): a token verifies locally until it expires, but
 * once its ServiceAccount (or the Pod or Secret it was bound to) is deleted the API server
 * says no. Answers are reused for at most `reviewCacheSeconds` (≤ 30 s) and never past the
 * token's expiry, so a deletion takes effect within that time. Needs the
 * `system:auth-delegator` ClusterRole for the registry's own ServiceAccount.
 */
import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { unavailable } from '../domain/domain-error.js';
import type { IssuerHttp } from './issuer-http.js';

export interface ReviewedUser {
  username: string;
  uid: string | undefined;
}

interface TokenReviewAnswer {
  status?: { authenticated?: boolean; user?: { username?: string; uid?: string }; error?: string };
}

export class TokenReviewer {
  private readonly answers: LRUCache<string, { user: ReviewedUser | null }>;
  constructor(
    private readonly http: IssuerHttp,
    private readonly apiServer: string,
    private readonly audience: string,
    cacheSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.answers = new LRUCache({ max: 10_000, ttl: Math.max(1, cacheSeconds * 1000), ttlAutopurge: false, ttlResolution: 0, perf: { now } });
    this.cacheMs = cacheSeconds * 1000;
  }

  private readonly cacheMs: number;

  /** The user the API server says the token is, or undefined when it refuses it. */
  async review(token: string, expiresAtMs: number): Promise<ReviewedUser | undefined> {
    const key = hash('sha256', token, 'hex');
    const hit = this.cacheMs > 0 ? this.answers.get(key) : undefined;
    if (hit) return hit.user ?? undefined;
    const user = await this.ask(token);
    const ttl = Math.min(this.cacheMs, expiresAtMs - this.now());
    if (ttl > 0) this.answers.set(key, { user: user ?? null }, { ttl });
    return user;
  }

  private async ask(token: string): Promise<ReviewedUser | undefined> {
    const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [this.audience] } });
    let answer: TokenReviewAnswer;
    try {
      answer = (await this.http.json(`${this.apiServer}/apis/authentication.k8s.io/v1/tokenreviews`, {
        method: 'POST', body, headers: { 'content-type': 'application/json' },
      })) as TokenReviewAnswer;
    } catch (err) {
      throw unavailable(`the Kubernetes API server could not review the token (${(err as Error).message}); try again`);
    }
    const s = answer.status;
    if (!s?.authenticated || typeof s.user?.username !== 'string') return undefined;
    return { username: s.user.username, uid: s.user.uid };
  }
}
