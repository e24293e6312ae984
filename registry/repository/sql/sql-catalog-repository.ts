/**
 * The web UI's catalog port on SQL (PostgreSQL and PGlite). Each query has a LIMIT and
 * an index (migration 0008): the unique (owner, module_path, version) index for an
 * owner's modules and versions, module_path COLLATE "C" for a prefix (a byte range),
 * created_at for recent uploads. A substring search reads module paths until it has
 * `limit` matches.
 */
import type { CatalogRepository, ModuleSummary, RecentUpload, VersionDetail } from '../catalog-repository.js';
import type { SqlDatabase } from './sql-database.js';

interface SummaryRow {
  owner: string;
  module_path: string;
  versions: string[];
  last_upload_at: Date;
}

const toSummary = (r: SummaryRow): ModuleSummary => ({ owner: r.owner, modulePath: r.module_path, versions: r.versions, lastUploadAt: r.last_upload_at });

const SUMMARY = 'SELECT owner, module_path, array_agg(version) AS versions, max(created_at) AS last_upload_at FROM module_versions';

/** Module paths are ASCII (x/mod's CheckPath): every path that starts with the prefix sorts below prefix + DEL. */
const PREFIX_END = '\u007f';

export class SqlCatalogRepository implements CatalogRepository {
  constructor(private readonly db: SqlDatabase) {}

  async listOwnerModules(owner: string, limit: number): Promise<ModuleSummary[]> {
    const rows = await this.db.query<SummaryRow>(`${SUMMARY} WHERE owner = $1 GROUP BY owner, module_path ORDER BY module_path LIMIT $2`, [owner, limit]);
    return rows.map(toSummary);
  }

  async listModulesByPrefix(owners: readonly string[], prefix: string, limit: number): Promise<ModuleSummary[]> {
    if (owners.length === 0) return [];
    const rows = await this.db.query<SummaryRow>(
      `${SUMMARY} WHERE owner = ANY($1) AND (module_path COLLATE "C") >= $2 AND (module_path COLLATE "C") < $3
       GROUP BY owner, module_path ORDER BY module_path COLLATE "C", owner LIMIT $4`,
      [owners, prefix, prefix + PREFIX_END, limit],
    );
    return rows.map(toSummary);
  }

  async listModulesContaining(owners: readonly string[], text: string, limit: number): Promise<ModuleSummary[]> {
    if (owners.length === 0) return [];
    const rows = await this.db.query<SummaryRow>(
      `${SUMMARY} WHERE owner = ANY($1) AND strpos(lower(module_path), lower($2)) > 0
       GROUP BY owner, module_path ORDER BY module_path COLLATE "C", owner LIMIT $3`,
      [owners, text, limit],
    );
    return rows.map(toSummary);
  }

  async listRecentUploads(owners: readonly string[], limit: number): Promise<RecentUpload[]> {
    if (owners.length === 0) return [];
    const rows = await this.db.query<{ owner: string; module_path: string; version: string; created_at: Date }>(
      'SELECT owner, module_path, version, created_at FROM module_versions WHERE owner = ANY($1) ORDER BY created_at DESC, id DESC LIMIT $2',
      [owners, limit],
    );
    return rows.map((r) => ({ owner: r.owner, modulePath: r.module_path, version: r.version, createdAt: r.created_at }));
  }

  async findHostedModules(owners: readonly string[], modulePaths: readonly string[]): Promise<Map<string, string>> {
    if (owners.length === 0 || modulePaths.length === 0) return new Map();
    const rows = await this.db.query<{ module_path: string; owner: string }>(
      'SELECT module_path, min(owner) AS owner FROM module_versions WHERE owner = ANY($1) AND module_path = ANY($2) GROUP BY module_path',
      [owners, modulePaths],
    );
    return new Map(rows.map((r) => [r.module_path, r.owner]));
  }

  async listVersionDetails(owner: string, modulePath: string): Promise<VersionDetail[]> {
    const rows = await this.db.query<{ version: string; zip_size: number | string; zip_hash: string; go_mod_hash: string; created_at: Date }>(
      'SELECT version, zip_size, zip_hash, go_mod_hash, created_at FROM module_versions WHERE owner = $1 AND module_path = $2',
      [owner, modulePath],
    );
    return rows.map((r) => ({ version: r.version, zipSize: Number(r.zip_size), zipHash: r.zip_hash, goModHash: r.go_mod_hash, createdAt: r.created_at }));
  }
}
