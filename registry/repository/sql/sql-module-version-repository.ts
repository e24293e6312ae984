/**
 * The module version port on SQL (PostgreSQL and PGlite speak the same SQL): the
 * UNIQUE(owner, module_path, version) constraint is the Conflict, the blob lock a
 * transaction-scoped advisory lock on the blob's hash.
 */
import type { ChecksumLogTx } from '../checksum-log-repository.js';
import { SqlChecksumLogTx } from './sql-checksum-log.js';
import { conflict, notFound } from '../../domain/domain-error.js';
import type { ModuleVersion, NewModuleVersion, VersionSummary } from '../../domain/module-version.js';
import type { BlobReference, ModuleVersionRepository, ModuleVersionTx } from '../module-version-repository.js';
import { MAY_REMOVE_FILES_SQL } from './backup-lock.js';
import { BLOB_LOCK_SQL, BLOB_REFERENCES_SQL, REFERENCED_BLOBS_SQL } from './blob-lock.js';
import { CLAIMS_LOCK_KEY } from './claims-lock.js';
import { isUniqueViolation, type SqlClient, type SqlDatabase } from './sql-database.js';

interface Row {
  owner: string;
  module_path: string;
  version: string;
  blob_sha256: string;
  zip_size: number;
  zip_hash: string;
  go_mod: Buffer | null;
  go_mod_hash: string;
  created_at: Date;
}

const toModuleVersion = (r: Row): ModuleVersion => ({
  owner: r.owner,
  modulePath: r.module_path,
  version: r.version,
  blobSha256: r.blob_sha256,
  zipSize: r.zip_size,
  zipHash: r.zip_hash,
  goMod: r.go_mod ?? undefined,
  goModHash: r.go_mod_hash,
  createdAt: r.created_at,
});

export class SqlModuleVersionRepository implements ModuleVersionRepository {
  constructor(private readonly db: SqlDatabase) {}

  async findVersion(owner: string, modulePath: string, version: string) {
    const rows = await this.db.query<Row>(
      'SELECT * FROM module_versions WHERE owner = $1 AND module_path = $2 AND version = $3',
      [owner, modulePath, version],
    );
    return rows[0] && toModuleVersion(rows[0]);
  }

  async listVersions(owner: string, modulePath: string): Promise<VersionSummary[]> {
    const rows = await this.db.query<{ version: string; created_at: Date }>(
      'SELECT version, created_at FROM module_versions WHERE owner = $1 AND module_path = $2',
      [owner, modulePath],
    );
    return rows.map((r) => ({ version: r.version, createdAt: r.created_at }));
  }

  async findReferencedBlobs(blobSha256s: readonly string[]): Promise<Set<string>> {
    if (blobSha256s.length === 0) return new Set();
    const rows = await this.db.query<{ blob_sha256: string }>(REFERENCED_BLOBS_SQL, [blobSha256s]);
    return new Set(rows.map((r) => r.blob_sha256));
  }

  async listBlobReferences(): Promise<BlobReference[]> {
    const rows = await this.db.query<{ source: 'hosted' | 'cache'; owner: string | null; module_path: string; version: string; blob_sha256: string; zip_size: string | number }>(
      `SELECT 'hosted' AS source, owner, module_path, version, blob_sha256, zip_size FROM module_versions
       UNION ALL
       SELECT 'cache', NULL, module_path, version, blob_sha256, zip_size FROM cached_versions WHERE blob_sha256 IS NOT NULL
       ORDER BY blob_sha256, source, owner, module_path, version`,
    );
    return rows.map((r) => ({
      source: r.source,
      owner: r.owner ?? undefined,
      modulePath: r.module_path,
      version: r.version,
      blobSha256: r.blob_sha256,
      zipSize: Number(r.zip_size),
    }));
  }

  transaction<T>(fn: (tx: ModuleVersionTx) => Promise<T>): Promise<T> {
    return this.db.transaction((client) => fn(new SqlModuleVersionTx(client)));
  }
}

class SqlModuleVersionTx implements ModuleVersionTx {
  readonly checksumLog: ChecksumLogTx;

  constructor(private readonly client: SqlClient) {
    this.checksumLog = new SqlChecksumLogTx(client);
  }

  async saveVersion(v: NewModuleVersion) {
    try {
      await this.client.query(
        `INSERT INTO module_versions
           (owner, module_path, version, blob_sha256, zip_size, zip_hash, go_mod, go_mod_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [v.owner, v.modulePath, v.version, v.blobSha256, v.zipSize, v.zipHash, v.goMod ?? null, v.goModHash],
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`${v.modulePath}@${v.version} already exists for owner ${v.owner}`);
      // The owner was deleted while this upload was in flight.
      if ((err as { code?: string }).code === '23503') throw notFound('not found');
      throw err;
    }
  }

  async removeVersion(owner: string, modulePath: string, version: string) {
    const rows = await this.client.query<{ blob_sha256: string }>(
      'DELETE FROM module_versions WHERE owner = $1 AND module_path = $2 AND version = $3 RETURNING blob_sha256',
      [owner, modulePath, version],
    );
    return rows[0]?.blob_sha256;
  }

  async lockBlob(blobSha256: string) {
    await this.client.query(BLOB_LOCK_SQL, [blobSha256]);
  }

  async claimOwner(modulePath: string) {
    await this.client.query('SELECT pg_advisory_xact_lock_shared($1)', [CLAIMS_LOCK_KEY]);
    const rows = await this.client.query<{ name: string }>(
      `SELECT name FROM owners WHERE EXISTS (
         SELECT 1 FROM unnest(claims) AS p WHERE $1 = p OR starts_with($1, p || '/'))`,
      [modulePath],
    );
    return rows[0]?.name;
  }

  async mayRemoveFiles() {
    const rows = await this.client.query<{ ok: boolean }>(MAY_REMOVE_FILES_SQL);
    return rows[0]?.ok === true;
  }

  async countBlobReferences(blobSha256: string) {
    const rows = await this.client.query<{ n: number }>(BLOB_REFERENCES_SQL, [blobSha256]);
    return Number(rows[0]?.n ?? 0);
  }
}
