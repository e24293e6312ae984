/**
 * Storage port for the web UI's sign-in sessions. Only digests are stored: of the
 * session id (the cookie) and of the token the session was opened with. Adapter:
 * `sql/sql-session-repository.ts`.
 */
export interface SessionRecord {
  idDigest: string;
  tokenDigest: string;
  expiresAt: Date;
}

export interface SessionRepository {
  saveSession(s: SessionRecord): Promise<void>;
  /** The session, when it exists and has not expired at `now`. */
  findSession(idDigest: string, now: Date): Promise<SessionRecord | undefined>;
  removeSession(idDigest: string): Promise<void>;
  /** Removes sessions expired before `now`; returns how many. */
  removeExpired(now: Date): Promise<number>;
}
