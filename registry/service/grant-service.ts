/**
 * Admin use cases for grants: which workload identities get which scopes on an owner.
 * A grant naming an issuer the registry does not accept would never match: refused.
 */
import { invalid, notFound } from '../domain/domain-error.js';
import type { Grant, GrantSubject } from '../domain/identity.js';
import type { Scope } from '../domain/owner.js';
import type { GrantRepository } from '../repository/grant-repository.js';
import type { OwnerRepository } from '../repository/owner-repository.js';

export interface AcceptedIssuers {
  /** The `iss` of every configured issuer. */
  issuers: readonly string[];
  /** Whether one of them is the Kubernetes API server (ServiceAccount grants). */
  kubernetes: boolean;
}

export class GrantService {
  constructor(
    private readonly grants: GrantRepository,
    private readonly owners: OwnerRepository,
    private readonly accepted: AcceptedIssuers,
  ) {}

  async list(owner: string): Promise<Grant[]> {
    if (!(await this.owners.findOwner(owner))) throw notFound(`no owner ${owner}`);
    return this.grants.listGrants(owner);
  }

  async put(owner: string, name: string, subject: GrantSubject, scopes: Scope[]): Promise<{ created: boolean; grant: Grant }> {
    if (subject.kind === 'serviceAccount' && !this.accepted.kubernetes) {
      throw invalid('serviceAccount grants need an issuer of kind kubernetes in OIDC_ISSUERS');
    }
    if (subject.kind === 'oidc' && !this.accepted.issuers.includes(subject.issuer)) {
      throw invalid(`oidc.issuer ${subject.issuer} is not one of the issuers in OIDC_ISSUERS`);
    }
    const created = await this.grants.saveGrant({ owner, name, subject, scopes: [...new Set(scopes)].sort() });
    const grant = (await this.grants.listGrants(owner)).find((g) => g.name === name);
    if (!grant) throw notFound(`no owner ${owner}`);
    return { created, grant };
  }

  async delete(owner: string, name: string): Promise<void> {
    if (!(await this.grants.removeGrant(owner, name))) throw notFound(`no grant ${name} on owner ${owner}`);
  }
}
