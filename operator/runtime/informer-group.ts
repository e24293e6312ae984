/**
 * Several informers seen as one: the operator watches either every namespace (one
 * cluster-wide informer) or a list of namespaces (one informer each, so namespaced
 * Roles suffice and no cluster-wide list permission is needed).
 */
import type { KubernetesObject } from '@kubernetes/client-node';

export interface Informer<T> {
  start(): Promise<void>;
  stop(): Promise<void>;
  cached(): T[];
  get(namespace: string, name: string): T | undefined;
  synced: boolean;
}

export class InformerGroup<T extends KubernetesObject> implements Informer<T> {
  constructor(private readonly members: Informer<T>[]) {}

  async start(): Promise<void> {
    await Promise.all(this.members.map((m) => m.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.stop()));
  }

  cached(): T[] {
    return this.members.flatMap((m) => m.cached());
  }

  get(namespace: string, name: string): T | undefined {
    for (const m of this.members) {
      const found = m.get(namespace, name);
      if (found) return found;
    }
    return undefined;
  }

  get synced(): boolean {
    return this.members.every((m) => m.synced);
  }
}
