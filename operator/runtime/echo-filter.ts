/**
 * Which watch events need no reconcile: the echoes of the operator's own writes. A reconcile adds
 * the finalizer, creates the Secrets and writes status in one pass; each write comes back through
 * the watch, and without this filter every resource was reconciled twice when 1,000 arrived at once
 * (the second pass reading and writing nothing, but asking the registry again).
 *
 * - A GoPackageOwner update is reconciled only when what reconcile acts on changed: the generation
 *   (spec), the finalizers or the deletion timestamp — compared with the last version seen or written
 *   by this process. A status-only update (the operator's own status write) is not. Adds (a new
 *   resource, or every resource at a relist: the resync) and deletes always are.
 * - A Secret's add right after this process created it is its echo; updates and deletes (someone
 *   edited or removed a token Secret) always reconcile.
 */
import type { KubernetesObject } from '@kubernetes/client-node';

export type Verb = 'add' | 'update' | 'delete';

/** A created Secret's echo is expected within this (then a relist delivers it anyway). */
const CREATE_ECHO_MS = 60_000;

const signature = (o: KubernetesObject) =>
  `${o.metadata?.generation ?? ''}|${o.metadata?.deletionTimestamp ?? ''}|${(o.metadata?.finalizers ?? []).join(',')}`;

export class EchoFilter {
  private readonly seen = new Map<string, string>();
  private readonly created = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A GoPackageOwner as the API server answered this process's write of it. */
  wroteOwner(key: string, obj: KubernetesObject): void {
    this.seen.set(key, signature(obj));
  }

  /** Whether a GoPackageOwner event asks for a reconcile. */
  ownerEvent(key: string, obj: KubernetesObject, verb: Verb): boolean {
    if (verb === 'delete') {
      this.seen.delete(key);
      return true;
    }
    const before = this.seen.get(key);
    const now = signature(obj);
    this.seen.set(key, now);
    return verb === 'add' || before !== now;
  }

  /** This process created the Secret. */
  createdSecret(key: string): void {
    if (this.created.size > 10_000) this.created.clear();
    this.created.set(key, this.now());
  }

  /** Whether a Secret event asks for a reconcile. */
  secretEvent(key: string, verb: Verb): boolean {
    const at = this.created.get(key);
    this.created.delete(key);
    return !(verb === 'add' && at !== undefined && this.now() - at <= CREATE_ECHO_MS);
  }
}
