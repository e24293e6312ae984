/**
 * The admin's hold on the pull-through cache: warming it with what a build needs (for
 * preparing an air-gapped install) and evicting a module or version. Claimed paths are
 * hosted, never cached: a prefetch reports them as such and never asks the upstream.
 */
import { invalid, notFound, tooLarge } from '../domain/domain-error.js';
import { checkModulePath, checkModuleVersion, MAX_MODULE_PATH_LENGTH } from '../domain/module-path.js';
import { parsePrefetchList } from '../domain/prefetch-list.js';
import type { OwnerRepository } from '../repository/owner-repository.js';
import type { PrefetchReport, PullThroughCache } from './pull-through-cache.js';

/** More lines than any go.sum of a real build; a bound on one request's work. */
export const MAX_PREFETCH_ITEMS = 20_000;

export class CacheAdminService {
  constructor(
    private readonly cache: PullThroughCache,
    private readonly owners: OwnerRepository,
  ) {}

  /** Fetches every module version a go.sum or go.mod names (unless cached); one report line each. */
  async prefetch(text: string): Promise<PrefetchReport[]> {
    const items = parsePrefetchList(text);
    if (items.length === 0) throw invalid('no module versions in the body: send a go.sum, or a go.mod with require directives');
    if (items.length > MAX_PREFETCH_ITEMS) throw tooLarge(`${items.length} module versions: one prefetch takes up to ${MAX_PREFETCH_ITEMS}`);
    const valid = items.filter((item) => checkModuleVersion(item.modulePath, item.version) === undefined);
    const refused: PrefetchReport[] = items
      .filter((item) => !valid.includes(item))
      .map((item) => ({ module: `${item.modulePath}@${item.version}`, result: 'invalid', error: checkModuleVersion(item.modulePath, item.version) }));
    const reports = await this.cache.prefetch(valid, async (modulePath) => (await this.owners.findClaimant(modulePath)) !== undefined);
    return [...reports, ...refused].sort((a, b) => (a.module < b.module ? -1 : a.module > b.module ? 1 : 0));
  }

  /** Evicts a cached module, or one version of it; 404 when the cache holds none. */
  async evict(modulePath: string, version: string | undefined): Promise<string[]> {
    const problem =
      version === undefined
        ? modulePath.length > MAX_MODULE_PATH_LENGTH
          ? `module path is ${modulePath.length} characters long; this registry stores paths of up to ${MAX_MODULE_PATH_LENGTH}`
          : checkModulePath(modulePath)
        : checkModuleVersion(modulePath, version);
    if (problem) throw invalid(problem);
    const removed = await this.cache.evict(modulePath, version);
    if (removed.length === 0) throw notFound(`${modulePath}${version ? `@${version}` : ''} is not in the cache`);
    return removed;
  }
}
