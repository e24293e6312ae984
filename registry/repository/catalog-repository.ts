/**
 * Storage port for what the web UI lists: an owner's modules, search by module path,
 * recent uploads and a module's versions with their sizes and hashes. Every list is
 * bounded by its limit; the owners a caller may read are decided by AuthService and
 * passed in, never decided here. Adapter: `sql/sql-catalog-repository.ts`.
 */

/** A module of an owner, with its versions (for the latest) and its newest upload. */
export interface ModuleSummary {
  owner: string;
  modulePath: string;
  versions: string[];
  lastUploadAt: Date;
}

export interface VersionDetail {
  version: string;
  zipSize: number;
  zipHash: string;
  goModHash: string;
  createdAt: Date;
}

export interface RecentUpload {
  owner: string;
  modulePath: string;
  version: string;
  createdAt: Date;
}

export interface CatalogRepository {
  /** The owner's modules in path order, at most `limit`. */
  listOwnerModules(owner: string, limit: number): Promise<ModuleSummary[]>;
  /** Modules of these owners whose path starts with `prefix`, in path order, at most `limit`. */
  listModulesByPrefix(owners: readonly string[], prefix: string, limit: number): Promise<ModuleSummary[]>;
  /** Modules of these owners whose path contains `text` (any case), at most `limit`. */
  listModulesContaining(owners: readonly string[], text: string, limit: number): Promise<ModuleSummary[]>;
  /** The newest uploads of these owners, at most `limit`. */
  listRecentUploads(owners: readonly string[], limit: number): Promise<RecentUpload[]>;
  /** Which of these module paths these owners host, each with one owner that hosts it. */
  findHostedModules(owners: readonly string[], modulePaths: readonly string[]): Promise<Map<string, string>>;
  /** Every version of the module with its size and hashes (the module page's table). */
  listVersionDetails(owner: string, modulePath: string): Promise<VersionDetail[]>;
}
