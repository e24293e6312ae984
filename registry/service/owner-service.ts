/**
 * Admin use cases: owners and their tokens. These are the operator's only way in,
 * so every call is idempotent: the same PUT twice changes nothing the second time.
 */
import { crashPoint } from '../crash-points.js';
import { checkClaimList, overlaps } from '../domain/claims.js';
import { conflict, invalid, notFound } from '../domain/domain-error.js';
import type { Owner, OwnerSettings, Scope, TokenInfo, Visibility } from '../domain/owner.js';
import { digestsEqual, generateTokenSecret, tokenDigest } from '../domain/token-secret.js';
import type { OwnerRepository, OwnerTx } from '../repository/owner-repository.js';
import type { BlobCollector } from './blob-collector.js';

export interface OwnerView extends Owner {
  tokens: Omit<TokenInfo, 'owner'>[];
}

export interface TokenPut {
  scopes: Scope[];
  expiresAt?: Date;
  /** Caller-supplied secret (the operator keeps it in a Secret); generated when absent. */
  token?: string;
}

export class OwnerService {
  constructor(
    private readonly owners: OwnerRepository,
    private readonly collector: BlobCollector,
    /** Files left after a committed owner delete are the sweeper's; the delete itself succeeded. */
    private readonly onCleanupError: (err: unknown) => void = () => {},
  ) {}

  async list(): Promise<OwnerView[]> {
    const [owners, tokens] = await Promise.all([this.owners.listOwners(), this.owners.listTokens()]);
    return owners.map((o) => view(o, tokens.filter((t) => t.owner === o.name)));
  }

  async get(name: string): Promise<OwnerView> {
    const owner = await this.owners.findOwner(name);
    if (!owner) throw notFound(`owner ${name} not found`);
    return view(owner, await this.owners.listTokens(name));
  }

  /**
   * Creates (created: true) or updates an owner; fields left out keep their value (a new
   * owner: no claims, no fall-through). A different managedBy is a Conflict, and so is a
   * claim that overlaps another owner's or would take over modules another owner hosts.
   */
  async put(name: string, patch: OwnerPatch): Promise<{ created: boolean; owner: OwnerView }> {
    const created = await this.owners.transaction(async (tx) => {
      const current = await tx.lockOwner(name);
      if (patch.managedBy && current?.managedBy && current.managedBy !== patch.managedBy) {
        throw conflict(`owner ${name} is managed by ${current.managedBy}`);
      }
      const next: OwnerSettings = {
        visibility: patch.visibility,
        managedBy: patch.managedBy ?? current?.managedBy,
        claims: patch.claims ? [...new Set(patch.claims)].sort() : (current?.claims ?? []),
        upstream: patch.upstream ?? current?.upstream ?? false,
      };
      if (next.claims.join('\n') !== (current?.claims ?? []).join('\n')) await checkClaims(tx, name, next.claims);
      if (!current) {
        await tx.insertOwner(name, next);
        return true;
      }
      if (!sameSettings(current, next)) await tx.updateOwner(name, next);
      return false;
    });
    return { created, owner: await this.get(name) };
  }

  /** Clears managedBy when it is this id (idempotent); another manager's claim is a Conflict. */
  async release(name: string, managedBy: string): Promise<void> {
    await this.owners.transaction(async (tx) => {
      const current = await tx.lockOwner(name);
      if (!current) throw notFound(`owner ${name} not found`);
      if (current.managedBy === undefined) return;
      if (current.managedBy !== managedBy) throw conflict(`owner ${name} is managed by ${current.managedBy}`);
      await tx.updateOwner(name, { ...current, managedBy: undefined });
    });
  }

  /**
   * Deletes an owner; with modules only when forced. Its blob files go after the commit,
   * those no other owner's versions reference. Two deletes of one owner at once: the
   * second waits on the owner's row lock, then finds no owner (404).
   */
  async delete(name: string, force: boolean): Promise<void> {
    const blobs = await this.owners.transaction(async (tx) => {
      if (!(await tx.lockOwner(name))) throw notFound(`owner ${name} not found`);
      const versions = await tx.countVersions(name);
      if (versions > 0 && !force) {
        throw conflict(`owner ${name} has ${versions} module versions: delete them first or use ?force=true`);
      }
      const removed = await tx.removeVersions(name);
      await tx.removeOwner(name);
      crashPoint('owner-delete:rows-removed');
      return removed;
    });
    crashPoint('owner-delete:committed');
    await this.collector.removeUnreferenced(blobs).catch(this.onCleanupError);
    crashPoint('owner-delete:files-removed');
  }

  /**
   * Creates or updates a token. Returns the secret only when the registry generated
   * it for a new token; a repeated PUT of the same caller-supplied secret is a no-op.
   */
  async putToken(owner: string, name: string, put: TokenPut): Promise<{ created: boolean; changed: boolean; token?: string }> {
    if (!(await this.owners.findOwner(owner))) throw notFound(`owner ${owner} not found`);
    const current = await this.owners.findToken(owner, name);
    const scopes = [...new Set(put.scopes)].sort() as Scope[];
    const secret = put.token ?? (current ? undefined : generateTokenSecret());
    const digest = secret && tokenDigest(secret);
    const sameSecret = !digest || (current !== undefined && digestsEqual(current.digest, digest));
    const sameRest =
      current !== undefined &&
      current.scopes.join() === scopes.join() &&
      (current.expiresAt?.getTime() ?? null) === (put.expiresAt?.getTime() ?? null);
    if (current && sameSecret && sameRest) return { created: false, changed: false };
    await this.owners.saveToken({ owner, name, digest: sameSecret && current ? undefined : digest, scopes, expiresAt: put.expiresAt });
    return { created: !current, changed: true, token: !current && !put.token ? secret : undefined };
  }

  async deleteToken(owner: string, name: string): Promise<void> {
    if (!(await this.owners.removeToken(owner, name))) throw notFound(`token ${name} of owner ${owner} not found`);
  }
}

/** What PUT /api/admin/owners/{owner} may change; absent fields keep their value. */
export interface OwnerPatch {
  visibility: Visibility;
  managedBy?: string;
  claims?: string[];
  upstream?: boolean;
}

const sameSettings = (a: OwnerSettings, b: OwnerSettings) =>
  a.visibility === b.visibility && a.managedBy === b.managedBy && a.upstream === b.upstream && a.claims.join('\n') === b.claims.join('\n');

/** Under the claims lock: the list is well-formed, overlaps no other owner's, and takes no other owner's modules. */
async function checkClaims(tx: OwnerTx, name: string, claims: string[]): Promise<void> {
  const problem = checkClaimList(claims);
  if (problem) throw invalid(problem);
  await tx.lockClaims();
  for (const other of await tx.listOtherClaims(name)) {
    for (const claim of claims) {
      const clash = other.claims.find((c) => overlaps(c, claim));
      if (clash !== undefined) throw conflict(`claim "${claim}" overlaps "${clash}", claimed by owner ${other.owner}`);
    }
  }
  for (const claim of claims) {
    const hosted = await tx.findHostedUnder(claim, name);
    if (hosted) throw conflict(`claim "${claim}" covers ${hosted.modulePath}, which owner ${hosted.owner} hosts: delete it there first`);
  }
}

function view(owner: Owner, tokens: TokenInfo[]): OwnerView {
  return { ...owner, tokens: tokens.map(({ owner: _owner, ...t }) => t) };
}
