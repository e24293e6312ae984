/** The grant port on SQL (PostgreSQL and PGlite). */
import { notFound } from '../../domain/domain-error.js';
import type { Grant, GrantSubject } from '../../domain/identity.js';
import type { Scope } from '../../domain/owner.js';
import type { GrantRepository } from '../grant-repository.js';
import type { SqlDatabase } from './sql-database.js';

interface GrantRow {
  owner: string;
  name: string;
  subject: GrantSubject | string;
  scopes: Scope[];
  created_at: Date;
}

const toGrant = (r: GrantRow): Grant => ({
  owner: r.owner,
  name: r.name,
  // pg parses jsonb; keep a string form working too.
  subject: typeof r.subject === 'string' ? (JSON.parse(r.subject) as GrantSubject) : r.subject,
  scopes: r.scopes,
  createdAt: r.created_at,
});

/** PostgreSQL's foreign_key_violation: the owner is not there. */
const isForeignKeyViolation = (err: unknown) => (err as { code?: unknown } | undefined)?.code === '23503';

export class SqlGrantRepository implements GrantRepository {
  constructor(private readonly db: SqlDatabase) {}

  async listGrants(owner?: string) {
    const rows = owner === undefined
      ? await this.db.query<GrantRow>('SELECT * FROM access_grants ORDER BY owner, name')
      : await this.db.query<GrantRow>('SELECT * FROM access_grants WHERE owner = $1 ORDER BY name', [owner]);
    return rows.map(toGrant);
  }

  async saveGrant(g: { owner: string; name: string; subject: GrantSubject; scopes: Scope[] }) {
    try {
      // xmax = 0 only on a row this statement inserted.
      const rows = await this.db.query<{ created: boolean }>(
        `INSERT INTO access_grants (owner, name, subject, scopes) VALUES ($1, $2, $3::jsonb, $4)
         ON CONFLICT (owner, name) DO UPDATE SET subject = EXCLUDED.subject, scopes = EXCLUDED.scopes
         RETURNING (xmax = 0) AS created`,
        [g.owner, g.name, JSON.stringify(g.subject), g.scopes],
      );
      return rows[0]?.created === true;
    } catch (err) {
      if (isForeignKeyViolation(err)) throw notFound(`no owner ${g.owner}`);
      throw err;
    }
  }

  async removeGrant(owner: string, name: string) {
    const rows = await this.db.query('DELETE FROM access_grants WHERE owner = $1 AND name = $2 RETURNING name', [owner, name]);
    return rows.length > 0;
  }
}
