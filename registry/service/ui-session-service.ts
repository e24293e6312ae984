/**
 * Web UI sessions: a registry token is exchanged once for a random session id (the
 * cookie). The database keeps only the id's SHA-256 and the token's SHA-256 (as the
 * tokens table does), never the token: a leaked table opens no session and reveals no
 * token. Every request looks the token up again through AuthService, so a revoked,
 * re-keyed or expired token ends the session at once, and the session reads exactly
 * what the token may read. The CSRF token of a session is derived from its id
 * (SHA-256 of a label and the id): unguessable without the cookie, nothing to store.
 */
import { hash, randomBytes } from 'node:crypto';
import { DomainError } from '../domain/domain-error.js';
import type { Principal } from '../domain/owner.js';
import { digestsEqual, tokenDigest } from '../domain/token-secret.js';
import type { SessionRepository } from '../repository/session-repository.js';
import type { AuthService } from './auth-service.js';

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export interface OpenedSession {
  /** The cookie's value. */
  id: string;
  expiresAt: Date;
}

export interface ActiveSession {
  principal: Principal;
  /** The value forms of this session must carry. */
  csrf: string;
}

export const csrfOf = (sessionId: string) => hash('sha256', `go-registry ui csrf\u0000${sessionId}`, 'base64url');

export class UiSessionService {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionRepository,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Opens a session for a valid owner token; the admin token and invalid tokens are refused. */
  async signIn(secret: string): Promise<OpenedSession> {
    const token = secret.trim();
    if (token === '') throw new DomainError('Invalid', 'a registry token is needed to sign in');
    if (this.auth.isAdminSecret(token)) throw new DomainError('Forbidden', 'the admin token does not sign in to the web UI: use an owner token');
    const digest = tokenDigest(token);
    if (!(await this.auth.tokenPrincipal(digest))) throw new DomainError('Unauthorized', 'invalid, revoked or expired token');
    const now = new Date(this.now());
    await this.sessions.removeExpired(now);
    const id = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    await this.sessions.saveSession({ idDigest: tokenDigest(id), tokenDigest: digest, expiresAt });
    return { id, expiresAt };
  }

  /** The session behind a cookie value, while it and its token are valid; else undefined (then: anonymous). */
  async resolve(id: string): Promise<ActiveSession | undefined> {
    if (!SESSION_ID.test(id)) return undefined;
    const record = await this.sessions.findSession(tokenDigest(id), new Date(this.now()));
    if (!record) return undefined;
    const principal = await this.auth.tokenPrincipal(record.tokenDigest);
    if (!principal) {
      await this.sessions.removeSession(record.idDigest);
      return undefined;
    }
    return { principal, csrf: csrfOf(id) };
  }

  /** Whether a form's CSRF value is this session's (constant-time). */
  csrfMatches(id: string, presented: string): boolean {
    const want = Buffer.from(csrfOf(id));
    const got = Buffer.from(presented);
    return want.length === got.length && digestsEqual(want.toString('hex'), got.toString('hex'));
  }

  async signOut(id: string): Promise<void> {
    if (SESSION_ID.test(id)) await this.sessions.removeSession(tokenDigest(id));
  }
}
