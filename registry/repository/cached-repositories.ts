/**
 * The storage ports with the read cache in front: lookups the GOPROXY path makes on
 * every request are answered from memory when known; every write drops what it may
 * have made stale as soon as it returns (committed or not), before the caller answers.
 */
import type { ModuleVersionRepository, ModuleVersionTx } from './module-version-repository.js';
import type { GrantRepository } from './grant-repository.js';
import type { OwnerRepository, OwnerTx } from './owner-repository.js';
import type { Change, ReadCache } from './read-cache.js';

/** Runs fn, then applies the changes it recorded, however it ended. */
async function recording<T>(cache: ReadCache, fn: (record: (c: Change) => void) => Promise<T>): Promise<T> {
  const changes: Change[] = [];
  try {
    return await fn((c) => changes.push(c));
  } finally {
    for (const c of changes) cache.apply(c);
  }
}

export class CachedModuleVersionRepository implements ModuleVersionRepository {
  constructor(
    private readonly inner: ModuleVersionRepository,
    private readonly cache: ReadCache,
  ) {}

  findVersion(owner: string, modulePath: string, version: string) {
    return this.cache.version(owner, modulePath, version, () => this.inner.findVersion(owner, modulePath, version));
  }

  listVersions(owner: string, modulePath: string) {
    return this.cache.versionList(owner, modulePath, () => this.inner.listVersions(owner, modulePath));
  }

  knownVersion(owner: string, modulePath: string, version: string) {
    return this.cache.knownVersion(owner, modulePath, version);
  }

  knownVersionList(owner: string, modulePath: string) {
    return this.cache.knownVersionList(owner, modulePath);
  }

  findReferencedBlobs(blobSha256s: readonly string[]) {
    return this.inner.findReferencedBlobs(blobSha256s);
  }

  listBlobReferences() {
    return this.inner.listBlobReferences();
  }

  transaction<T>(fn: (tx: ModuleVersionTx) => Promise<T>): Promise<T> {
    return recording(this.cache, (record) =>
      this.inner.transaction((tx) =>
        fn({
          saveVersion: (v) => (record({ table: 'module_versions', owner: v.owner, modulePath: v.modulePath }), tx.saveVersion(v)),
          removeVersion: (owner, modulePath, version) => (
            record({ table: 'module_versions', owner, modulePath }), tx.removeVersion(owner, modulePath, version)
          ),
          lockBlob: (sha) => tx.lockBlob(sha),
          countBlobReferences: (sha) => tx.countBlobReferences(sha),
          mayRemoveFiles: () => tx.mayRemoveFiles(),
          claimOwner: (path) => tx.claimOwner(path),
          checksumLog: tx.checksumLog,
        }),
      ),
    );
  }
}

export class CachedOwnerRepository implements OwnerRepository {
  constructor(
    private readonly inner: OwnerRepository,
    private readonly cache: ReadCache,
  ) {}

  findOwner(name: string) {
    return this.cache.owner(name, () => this.inner.findOwner(name));
  }

  findClaimant(modulePath: string) {
    return this.cache.claimant(modulePath, () => this.inner.findClaimant(modulePath));
  }

  knownOwner(name: string) {
    return this.cache.knownOwner(name);
  }

  knownClaimant(modulePath: string) {
    return this.cache.knownClaimant(modulePath);
  }

  knownTokenByDigest(digest: string) {
    return this.cache.knownToken(digest);
  }

  findTokenByDigest(digest: string) {
    return this.cache.token(digest, () => this.inner.findTokenByDigest(digest));
  }

  listOwners() {
    return this.cache.ownerList(() => this.inner.listOwners());
  }

  listTokens(owner?: string) {
    return this.inner.listTokens(owner);
  }

  listTokenRecords() {
    return this.inner.listTokenRecords();
  }

  findToken(owner: string, name: string) {
    return this.inner.findToken(owner, name);
  }

  saveToken(t: Parameters<OwnerRepository['saveToken']>[0]) {
    return recording(this.cache, (record) => (record({ table: 'tokens', owner: t.owner }), this.inner.saveToken(t)));
  }

  removeToken(owner: string, name: string) {
    return recording(this.cache, (record) => (record({ table: 'tokens', owner }), this.inner.removeToken(owner, name)));
  }

  /** Last use is not cached and decides nothing. */
  touchToken(owner: string, name: string, at: Date) {
    return this.inner.touchToken(owner, name, at);
  }

  transaction<T>(fn: (tx: OwnerTx) => Promise<T>): Promise<T> {
    return recording(this.cache, (record) =>
      this.inner.transaction((tx) => {
        const owner = (name: string) => record({ table: 'owners', owner: name });
        return fn({
          lockOwner: (name) => tx.lockOwner(name),
          insertOwner: (name, settings) => (owner(name), tx.insertOwner(name, settings)),
          updateOwner: (name, settings) => (owner(name), tx.updateOwner(name, settings)),
          lockClaims: () => tx.lockClaims(),
          listOtherClaims: (name) => tx.listOtherClaims(name),
          findHostedUnder: (prefix, except) => tx.findHostedUnder(prefix, except),
          countVersions: (name) => tx.countVersions(name),
          removeVersions: (name) => (record({ table: 'module_versions', owner: name }), tx.removeVersions(name)),
          removeOwner: (name) => {
            // Its tokens and grants go with it (ON DELETE CASCADE).
            owner(name);
            record({ table: 'tokens', owner: name });
            record({ table: 'access_grants', owner: name });
            return tx.removeOwner(name);
          },
        });
      }),
    );
  }
}

/** Grants: every request with a workload identity asks for all of them, answered from the directory. */
export class CachedGrantRepository implements GrantRepository {
  constructor(
    private readonly inner: GrantRepository,
    private readonly cache: ReadCache,
  ) {}

  listGrants(owner?: string) {
    return owner === undefined ? this.cache.grants(() => this.inner.listGrants()) : this.inner.listGrants(owner);
  }

  saveGrant(g: Parameters<GrantRepository['saveGrant']>[0]) {
    return recording(this.cache, (record) => (record({ table: 'access_grants', owner: g.owner }), this.inner.saveGrant(g)));
  }

  removeGrant(owner: string, name: string) {
    return recording(this.cache, (record) => (record({ table: 'access_grants', owner }), this.inner.removeGrant(owner, name)));
  }
}
