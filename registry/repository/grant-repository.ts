/**
 * Storage port for the grants that give workload identities scopes on owners.
 * Adapters: `sql/sql-grant-repository.ts`, and the read cache in front of it
 * (`cached-repositories.ts`), which answers `listGrants()` from memory.
 */
import type { Grant, GrantSubject } from '../domain/identity.js';
import type { Scope } from '../domain/owner.js';

export interface GrantRepository {
  /** Every grant (owner undefined), or one owner's, ordered by owner and name. */
  listGrants(owner?: string): Promise<Grant[]>;
  /** Creates or replaces a grant; NotFound when the owner does not exist. Returns true when it was created. */
  saveGrant(g: { owner: string; name: string; subject: GrantSubject; scopes: Scope[] }): Promise<boolean>;
  removeGrant(owner: string, name: string): Promise<boolean>;
}
