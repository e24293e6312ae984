/** The pull-through cache's storage port on SQL (PostgreSQL and PGlite). */
import type { CachedAnswer, CachedVersion, CacheRepository } from '../cache-repository.js';
import { BLOB_LOCK_SQL } from './blob-lock.js';
import type { ChecksumLogTx } from '../checksum-log-repository.js';
import { SqlChecksumLogTx } from './sql-checksum-log.js';
import type { SqlDatabase } from './sql-database.js';

interface VersionRow {
  module_path: string;
  version: string;
  info: Buffer;
  go_mod: Buffer;
  go_mod_hash: string;
  blob_sha256: string | null;
  zip_size: number | null;
  zip_hash: string | null;
  verified: boolean;
  fetched_at: Date;
}

const toVersion = (r: VersionRow): CachedVersion => ({
  modulePath: r.module_path,
  version: r.version,
  info: r.info,
  goMod: r.go_mod,
  goModHash: r.go_mod_hash,
  zip: r.blob_sha256 ? { blobSha256: r.blob_sha256, size: r.zip_size ?? 0, hash: r.zip_hash ?? '' } : undefined,
  verified: r.verified,
  fetchedAt: r.fetched_at,
});

export class SqlCacheRepository implements CacheRepository {
  constructor(private readonly db: SqlDatabase) {}

  async findVersion(modulePath: string, version: string) {
    const rows = await this.db.query<VersionRow>('SELECT * FROM cached_versions WHERE module_path = $1 AND version = $2', [modulePath, version]);
    return rows[0] && toVersion(rows[0]);
  }

  async listVersions(modulePath: string) {
    const rows = await this.db.query<{ version: string }>('SELECT version FROM cached_versions WHERE module_path = $1', [modulePath]);
    return rows.map((r) => r.version);
  }

  async saveVersion(v: Omit<CachedVersion, 'zip' | 'fetchedAt'>, log?: (tx: ChecksumLogTx) => Promise<void>) {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO cached_versions (module_path, version, info, go_mod, go_mod_hash, verified)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (module_path, version) DO NOTHING`,
        [v.modulePath, v.version, v.info, v.goMod, v.goModHash, v.verified],
      );
      await log?.(new SqlChecksumLogTx(tx));
    });
  }

  async saveZip(modulePath: string, version: string, zip: NonNullable<CachedVersion['zip']>, place: () => Promise<void>, log?: (tx: ChecksumLogTx) => Promise<void>) {
    await this.db.transaction(async (tx) => {
      await log?.(new SqlChecksumLogTx(tx));
      await tx.query(BLOB_LOCK_SQL, [zip.blobSha256]);
      await place();
      await tx.query(
        'UPDATE cached_versions SET blob_sha256 = $3, zip_size = $4, zip_hash = $5 WHERE module_path = $1 AND version = $2 AND blob_sha256 IS NULL',
        [modulePath, version, zip.blobSha256, zip.size, zip.hash],
      );
    });
  }

  async removeVersions(modulePath: string, version?: string) {
    const rows = await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM cached_answers WHERE module_path = $1', [modulePath]);
      return version === undefined
        ? tx.query<{ version: string; blob_sha256: string | null }>('DELETE FROM cached_versions WHERE module_path = $1 RETURNING version, blob_sha256', [modulePath])
        : tx.query<{ version: string; blob_sha256: string | null }>(
            'DELETE FROM cached_versions WHERE module_path = $1 AND version = $2 RETURNING version, blob_sha256',
            [modulePath, version],
          );
    });
    return { versions: rows.map((r) => r.version).sort(), blobs: rows.flatMap((r) => (r.blob_sha256 ? [r.blob_sha256] : [])) };
  }

  async findAnswer(modulePath: string, kind: 'list' | 'latest'): Promise<CachedAnswer | undefined> {
    const rows = await this.db.query<{ body: Buffer; fetched_at: Date }>('SELECT body, fetched_at FROM cached_answers WHERE module_path = $1 AND kind = $2', [modulePath, kind]);
    return rows[0] && { body: rows[0].body, fetchedAt: rows[0].fetched_at };
  }

  async saveAnswer(modulePath: string, kind: 'list' | 'latest', body: Buffer) {
    await this.db.query(
      `INSERT INTO cached_answers (module_path, kind, body, fetched_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (module_path, kind) DO UPDATE SET body = EXCLUDED.body, fetched_at = EXCLUDED.fetched_at`,
      [modulePath, kind, body],
    );
  }

  async findSumdb(path: string): Promise<CachedAnswer | undefined> {
    const rows = await this.db.query<{ body: Buffer; fetched_at: Date }>('SELECT body, fetched_at FROM cached_sumdb WHERE path = $1', [path]);
    return rows[0] && { body: rows[0].body, fetchedAt: rows[0].fetched_at };
  }

  async saveSumdb(path: string, body: Buffer) {
    await this.db.query(
      `INSERT INTO cached_sumdb (path, body, fetched_at) VALUES ($1, $2, now())
       ON CONFLICT (path) DO UPDATE SET body = EXCLUDED.body, fetched_at = EXCLUDED.fetched_at`,
      [path, body],
    );
  }

  async acquireLease(key: string, holder: string, ttlMs: number) {
    const rows = await this.db.query<{ holder: string }>(
      `INSERT INTO cache_fetches (key, holder, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
         WHERE cache_fetches.expires_at < now() OR cache_fetches.holder = EXCLUDED.holder
       RETURNING holder`,
      [key, holder, ttlMs],
    );
    return rows[0]?.holder === holder;
  }

  async releaseLease(key: string, holder: string) {
    await this.db.query('DELETE FROM cache_fetches WHERE key = $1 AND holder = $2', [key, holder]);
  }

  async stats() {
    const rows = await this.db.query<{ versions: number; zips: number; zip_bytes: number }>(
      'SELECT count(*)::int AS versions, count(blob_sha256)::int AS zips, coalesce(sum(zip_size), 0)::bigint AS zip_bytes FROM cached_versions',
    );
    const r = rows[0];
    return { versions: r?.versions ?? 0, zips: r?.zips ?? 0, zipBytes: Number(r?.zip_bytes ?? 0) };
  }
}
