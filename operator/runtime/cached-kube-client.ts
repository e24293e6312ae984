/**
 * Reconcile's reads served from the informers' caches, as controller-runtime's cached client
 * serves them: the GoPackageOwner and its Secrets come from memory, not from a GET and a LIST per
 * reconcile. Writes still go to the API server, with the object's resourceVersion (optimistic
 * concurrency).
 *
 * A cache lags the API server by a watch event, so right after a write of its own the operator
 * could read the object as it was before — and act on it twice (issue a second token value for a
 * Secret it just rewrote). So every write records the resourceVersion it superseded (or that the
 * object was absent, for a create); while the cache still shows a superseded version, the read goes
 * to the API server instead. Once the cache shows another version the record is dropped.
 */
import type { KubeConfig, KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { OWNER_RESOURCE_LABEL, type GoPackageOwner } from '../api/gopackageowner.js';
import { KubeClient } from '../controller/kube-client.js';
import type { EchoFilter } from './echo-filter.js';

export interface CacheReader<T> {
  get(namespace: string, name: string): T | undefined;
  cached(): T[];
  synced: boolean;
}

const ABSENT = '';
/** A cache shows a write within milliseconds; a record older than this is dropped (objects deleted since). */
const RECORD_MS = 60_000;

/** Per object, the resourceVersions this process's writes superseded. */
export class Superseded {
  private readonly byKey = new Map<string, { versions: Set<string>; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A write is about to replace `version` of the object (ABSENT: create it). */
  record(key: string, version: string | undefined): void {
    if (this.byKey.size > 1000) this.prune();
    const entry = this.byKey.get(key) ?? { versions: new Set<string>(), at: 0 };
    entry.versions.add(version ?? ABSENT);
    entry.at = this.now();
    this.byKey.set(key, entry);
  }

  /** Whether the cached object (undefined: absent) may predate one of our writes. */
  stale(key: string, cached: KubernetesObject | undefined): boolean {
    const entry = this.byKey.get(key);
    if (!entry) return false;
    if (this.now() - entry.at <= RECORD_MS && entry.versions.has(cached?.metadata?.resourceVersion ?? ABSENT)) return true;
    this.byKey.delete(key);
    return false;
  }

  get size(): number {
    return this.byKey.size;
  }

  private prune(): void {
    const now = this.now();
    for (const [key, entry] of this.byKey) if (now - entry.at > RECORD_MS) this.byKey.delete(key);
  }
}

const keyOf = (o: KubernetesObject) => `${o.metadata!.namespace}/${o.metadata!.name}`;

export class CachedKubeClient extends KubeClient {
  private readonly superseded = new Superseded();

  constructor(
    kc: KubeConfig,
    private readonly owners: CacheReader<GoPackageOwner>,
    private readonly secrets: CacheReader<V1Secret>,
    /** Told of this process's writes, so their watch events are known as echoes. */
    private readonly echoes?: EchoFilter,
  ) {
    super(kc);
  }

  override async getGoPackageOwner(namespace: string, name: string): Promise<GoPackageOwner | undefined> {
    const key = `gpo:${namespace}/${name}`;
    const cached = this.owners.synced ? this.owners.get(namespace, name) : undefined;
    // Absent from the cache: deleted (its event brought us here) or not yet listed: the API server says which.
    if (!cached || this.superseded.stale(key, cached)) return super.getGoPackageOwner(namespace, name);
    return cached;
  }

  override async updateGoPackageOwner(cr: GoPackageOwner): Promise<GoPackageOwner> {
    this.superseded.record(`gpo:${keyOf(cr)}`, cr.metadata!.resourceVersion);
    // Told before the request: its watch event may arrive before its answer.
    this.echoes?.wroteOwner(keyOf(cr), cr);
    return super.updateGoPackageOwner(cr);
  }

  override async updateStatus(cr: GoPackageOwner): Promise<void> {
    this.superseded.record(`gpo:${keyOf(cr)}`, cr.metadata!.resourceVersion);
    return super.updateStatus(cr);
  }

  override async listSecrets(namespace: string, ownerResource: string): Promise<V1Secret[]> {
    if (!this.secrets.synced) return super.listSecrets(namespace, ownerResource);
    const ours = this.secrets.cached().filter((s) => s.metadata?.namespace === namespace && s.metadata.labels?.[OWNER_RESOURCE_LABEL] === ownerResource);
    // A Secret written since it was cached: the whole list from the API server. (One created since is
    // missing from the list; reconcile then reads it by name, below.)
    if (ours.some((s) => this.superseded.stale(`secret:${keyOf(s)}`, s))) return super.listSecrets(namespace, ownerResource);
    return ours;
  }

  override async readSecret(namespace: string, name: string): Promise<V1Secret | undefined> {
    const cached = this.secrets.synced ? this.secrets.get(namespace, name) : undefined;
    // Not in the cache: absent, or a Secret without the operator's label (someone else's): the API server says.
    if (!cached || this.superseded.stale(`secret:${namespace}/${name}`, cached)) return super.readSecret(namespace, name);
    return cached;
  }

  override async createSecret(secret: V1Secret): Promise<void> {
    this.superseded.record(`secret:${keyOf(secret)}`, ABSENT);
    this.echoes?.createdSecret(keyOf(secret));
    return super.createSecret(secret);
  }

  override async replaceSecret(live: V1Secret, desired: V1Secret): Promise<void> {
    this.superseded.record(`secret:${keyOf(desired)}`, live.metadata?.resourceVersion);
    return super.replaceSecret(live, desired);
  }

  override async deleteSecret(namespace: string, name: string): Promise<void> {
    const cached = this.secrets.get(namespace, name);
    if (cached) this.superseded.record(`secret:${namespace}/${name}`, cached.metadata?.resourceVersion);
    return super.deleteSecret(namespace, name);
  }
}
