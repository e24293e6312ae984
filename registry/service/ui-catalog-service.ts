/**
 * What the web UI's home and owner pages show, for one principal: the owners it may
 * read, search by module path (prefix matches first, then substrings), recent uploads
 * and an owner's modules. Only owners AuthService says the principal may read are ever
 * asked about, so a hidden owner is absent from every list, result and count, and its
 * page is the missing owner's (NotFound, the same message).
 */
import { invalid } from '../domain/domain-error.js';
import type { Owner, Principal } from '../domain/owner.js';
import { latestVersion } from '../domain/version-query.js';
import type { CatalogRepository, ModuleSummary, RecentUpload } from '../repository/catalog-repository.js';
import type { AuthService } from './auth-service.js';

/** Bounds of each list: a page's cost does not grow with the catalog. */
export const SEARCH_LIMIT = 25;
export const RECENT_LIMIT = 20;
export const OWNER_MODULES_LIMIT = 500;
export const MAX_QUERY_LENGTH = 200;

export interface ModuleListing {
  owner: string;
  modulePath: string;
  latest: string | undefined;
  versionCount: number;
  lastUploadAt: Date;
}

export interface HomePage {
  owners: Pick<Owner, 'name' | 'visibility'>[];
  recent: RecentUpload[];
}

export interface OwnerPage {
  owner: Owner;
  modules: ModuleListing[];
  /** True when the owner has more modules than the page lists. */
  truncated: boolean;
}

const listing = (m: ModuleSummary): ModuleListing => ({
  owner: m.owner,
  modulePath: m.modulePath,
  latest: latestVersion(m.versions) ?? [...m.versions].sort().at(-1),
  versionCount: m.versions.length,
  lastUploadAt: m.lastUploadAt,
});

export class UiCatalogService {
  constructor(
    private readonly auth: AuthService,
    private readonly catalog: CatalogRepository,
  ) {}

  async home(principal: Principal): Promise<HomePage> {
    const owners = await this.auth.readableOwners(principal);
    const recent = await this.catalog.listRecentUploads(owners.map((o) => o.name), RECENT_LIMIT);
    return { owners: owners.map((o) => ({ name: o.name, visibility: o.visibility })), recent };
  }

  /** Modules whose path starts with the query, then those that contain it elsewhere; at most SEARCH_LIMIT. */
  async search(principal: Principal, query: string): Promise<ModuleListing[]> {
    const q = query.trim();
    if (q.length > MAX_QUERY_LENGTH) throw invalid(`search: at most ${MAX_QUERY_LENGTH} characters`);
    if (q === '') return [];
    const owners = (await this.auth.readableOwners(principal)).map((o) => o.name);
    const byPrefix = await this.catalog.listModulesByPrefix(owners, q, SEARCH_LIMIT);
    const seen = new Set(byPrefix.map((m) => `${m.owner}\u0000${m.modulePath}`));
    const rest = byPrefix.length < SEARCH_LIMIT ? await this.catalog.listModulesContaining(owners, q, SEARCH_LIMIT) : [];
    const more = rest.filter((m) => !seen.has(`${m.owner}\u0000${m.modulePath}`));
    return [...byPrefix, ...more].slice(0, SEARCH_LIMIT).map(listing);
  }

  async owner(principal: Principal, name: string): Promise<OwnerPage> {
    const owner = await this.auth.readableOwner(principal, name);
    const modules = await this.catalog.listOwnerModules(name, OWNER_MODULES_LIMIT + 1);
    return { owner, modules: modules.slice(0, OWNER_MODULES_LIMIT).map(listing), truncated: modules.length > OWNER_MODULES_LIMIT };
  }
}
