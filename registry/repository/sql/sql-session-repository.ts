/** The web UI's session port on SQL (PostgreSQL and PGlite): digests only (migration 0008). */
import type { SessionRecord, SessionRepository } from '../session-repository.js';
import type { SqlDatabase } from './sql-database.js';

export class SqlSessionRepository implements SessionRepository {
  constructor(private readonly db: SqlDatabase) {}

  async saveSession(s: SessionRecord): Promise<void> {
    await this.db.query('INSERT INTO ui_sessions (id_sha256, token_sha256, expires_at) VALUES ($1, $2, $3)', [s.idDigest, s.tokenDigest, s.expiresAt]);
  }

  async findSession(idDigest: string, now: Date): Promise<SessionRecord | undefined> {
    const rows = await this.db.query<{ id_sha256: string; token_sha256: string; expires_at: Date }>(
      'SELECT id_sha256, token_sha256, expires_at FROM ui_sessions WHERE id_sha256 = $1 AND expires_at > $2',
      [idDigest, now],
    );
    const r = rows[0];
    return r && { idDigest: r.id_sha256, tokenDigest: r.token_sha256, expiresAt: r.expires_at };
  }

  async removeSession(idDigest: string): Promise<void> {
    await this.db.query('DELETE FROM ui_sessions WHERE id_sha256 = $1', [idDigest]);
  }

  async removeExpired(now: Date): Promise<number> {
    const rows = await this.db.query<{ n: number | string }>('WITH gone AS (DELETE FROM ui_sessions WHERE expires_at <= $1 RETURNING 1) SELECT count(*) AS n FROM gone', [now]);
    return Number(rows[0]?.n ?? 0);
  }
}
