/** The owner and token port on SQL (PostgreSQL and PGlite). */
import { conflict } from '../../domain/domain-error.js';
import type { Owner, OwnerSettings, Scope, TokenInfo, Visibility } from '../../domain/owner.js';
import { CLAIMS_LOCK_KEY } from './claims-lock.js';
import type { OwnerRepository, OwnerTx, TokenRecord } from '../owner-repository.js';
import { isUniqueViolation, type SqlClient, type SqlDatabase } from './sql-database.js';

interface OwnerRow {
  name: string;
  visibility: Visibility;
  managed_by: string | null;
  claims: string[];
  upstream: boolean;
  created_at: Date;
  updated_at: Date;
}

interface TokenRow {
  owner: string;
  name: string;
  token_sha256: string;
  scopes: Scope[];
  expires_at: Date | null;
  created_at: Date;
  last_used_at: Date | null;
}

const toOwner = (r: OwnerRow): Owner => ({
  name: r.name,
  visibility: r.visibility,
  managedBy: r.managed_by ?? undefined,
  claims: r.claims,
  upstream: r.upstream,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toToken = (r: TokenRow): TokenRecord => ({
  owner: r.owner,
  name: r.name,
  digest: r.token_sha256,
  scopes: r.scopes,
  expiresAt: r.expires_at ?? undefined,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at ?? undefined,
});

const stripDigest = ({ digest: _digest, ...info }: TokenRecord): TokenInfo => info;

export class SqlOwnerRepository implements OwnerRepository {
  constructor(private readonly db: SqlDatabase) {}

  async findOwner(name: string) {
    const rows = await this.db.query<OwnerRow>('SELECT * FROM owners WHERE name = $1', [name]);
    return rows[0] && toOwner(rows[0]);
  }

  async findClaimant(modulePath: string) {
    const rows = await this.db.query<{ name: string }>(
      `SELECT name FROM owners WHERE EXISTS (SELECT 1 FROM unnest(claims) AS p WHERE $1 = p OR starts_with($1, p || '/'))`,
      [modulePath],
    );
    return rows[0]?.name;
  }

  async listOwners() {
    return (await this.db.query<OwnerRow>('SELECT * FROM owners ORDER BY name')).map(toOwner);
  }

  async listTokens(owner?: string) {
    const rows = owner
      ? await this.db.query<TokenRow>('SELECT * FROM tokens WHERE owner = $1 ORDER BY name', [owner])
      : await this.db.query<TokenRow>('SELECT * FROM tokens ORDER BY owner, name');
    return rows.map((r) => stripDigest(toToken(r)));
  }

  async listTokenRecords() {
    return (await this.db.query<TokenRow>('SELECT * FROM tokens')).map(toToken);
  }

  async findTokenByDigest(digest: string) {
    const rows = await this.db.query<TokenRow>('SELECT * FROM tokens WHERE token_sha256 = $1', [digest]);
    return rows[0] && toToken(rows[0]);
  }

  async findToken(owner: string, name: string) {
    const rows = await this.db.query<TokenRow>('SELECT * FROM tokens WHERE owner = $1 AND name = $2', [owner, name]);
    return rows[0] && toToken(rows[0]);
  }

  async saveToken(t: { owner: string; name: string; digest?: string; scopes: Scope[]; expiresAt?: Date }) {
    try {
      if (t.digest) {
        await this.db.query(
          `INSERT INTO tokens (owner, name, token_sha256, scopes, expires_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (owner, name) DO UPDATE
             SET token_sha256 = EXCLUDED.token_sha256, scopes = EXCLUDED.scopes, expires_at = EXCLUDED.expires_at`,
          [t.owner, t.name, t.digest, t.scopes, t.expiresAt ?? null],
        );
      } else {
        await this.db.query('UPDATE tokens SET scopes = $3, expires_at = $4 WHERE owner = $1 AND name = $2', [
          t.owner, t.name, t.scopes, t.expiresAt ?? null,
        ]);
      }
    } catch (err) {
      // The same secret registered under another name: refuse without saying where.
      if (isUniqueViolation(err)) throw conflict('this token value is already registered');
      throw err;
    }
  }

  async removeToken(owner: string, name: string) {
    const rows = await this.db.query('DELETE FROM tokens WHERE owner = $1 AND name = $2 RETURNING name', [owner, name]);
    return rows.length > 0;
  }

  async touchToken(owner: string, name: string, at: Date) {
    await this.db.query('UPDATE tokens SET last_used_at = $3 WHERE owner = $1 AND name = $2', [owner, name, at]);
  }

  transaction<T>(fn: (tx: OwnerTx) => Promise<T>): Promise<T> {
    return this.db.transaction((client) => fn(ownerTx(client)));
  }
}

function ownerTx(client: SqlClient): OwnerTx {
  const one = async (sql: string, params: unknown[]) => toOwner((await client.query<OwnerRow>(sql, params))[0]!);
  return {
    async lockOwner(name) {
      const rows = await client.query<OwnerRow>('SELECT * FROM owners WHERE name = $1 FOR UPDATE', [name]);
      return rows[0] && toOwner(rows[0]);
    },
    async insertOwner(name, o: OwnerSettings) {
      try {
        return await one(
          'INSERT INTO owners (name, visibility, managed_by, claims, upstream) VALUES ($1, $2, $3, $4, $5) RETURNING *',
          [name, o.visibility, o.managedBy ?? null, o.claims, o.upstream],
        );
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(`owner ${name} was created concurrently; retry`);
        throw err;
      }
    },
    updateOwner: (name, o: OwnerSettings) =>
      one(
        'UPDATE owners SET visibility = $2, managed_by = $3, claims = $4, upstream = $5, updated_at = now() WHERE name = $1 RETURNING *',
        [name, o.visibility, o.managedBy ?? null, o.claims, o.upstream],
      ),
    async lockClaims() {
      await client.query('SELECT pg_advisory_xact_lock($1)', [CLAIMS_LOCK_KEY]);
    },
    async listOtherClaims(owner) {
      return client.query<{ owner: string; claims: string[] }>(
        "SELECT name AS owner, claims FROM owners WHERE name <> $1 AND claims <> '{}'", [owner]);
    },
    async findHostedUnder(prefix, exceptOwner) {
      const rows = await client.query<{ owner: string; module_path: string }>(
        `SELECT owner, module_path FROM module_versions
          WHERE owner <> $2 AND (module_path = $1 OR starts_with(module_path, $1 || '/')) LIMIT 1`,
        [prefix, exceptOwner],
      );
      return rows[0] && { owner: rows[0].owner, modulePath: rows[0].module_path };
    },
    async countVersions(owner) {
      const rows = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM module_versions WHERE owner = $1', [owner]);
      return rows[0]?.n ?? 0;
    },
    async removeVersions(owner) {
      const rows = await client.query<{ blob_sha256: string }>('DELETE FROM module_versions WHERE owner = $1 RETURNING blob_sha256', [owner]);
      return [...new Set(rows.map((r) => r.blob_sha256))];
    },
    async removeOwner(name) {
      await client.query('DELETE FROM owners WHERE name = $1', [name]);
    },
  };
}
