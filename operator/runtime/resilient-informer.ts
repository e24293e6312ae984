/**
 * An informer that stays up. client-node's informer stops for good on a watch error
 * other than 410; this one replaces it with a fresh one (a full list, then a watch)
 * after a jittered exponential backoff. It also replaces it every relist period: the
 * fresh list re-delivers every object (a resync), and a silently dead watch cannot
 * last longer than that. Reads are served by the last informer whose list is in: a
 * replacement takes over once it has listed, so the cache is never empty meanwhile, and
 * `synced` means a list has arrived (client-node's informer says `connect` before it lists).
 */
import { ListWatch, Watch, type Informer, type KubeConfig, type KubernetesObject, type ListPromise } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export interface ResilientInformerOptions<T extends KubernetesObject> {
  kc: KubeConfig;
  name: string;
  path: string;
  list: ListPromise<T>;
  labelSelector?: string;
  relistMs: number;
  onChange: (obj: T, verb: 'add' | 'update' | 'delete') => void;
  log: Logger;
  /** What the cache keeps of each listed or watched object (default: trimCached). */
  trim?: (obj: T) => T;
}

/**
 * The cache keeps objects without metadata.managedFields: server-side apply's bookkeeping, often larger
 * than the object itself, read by no reconcile. An update without managedFields keeps the server's.
 */
export function trimCached<T extends KubernetesObject>(obj: T): T {
  if (obj.metadata?.managedFields) delete obj.metadata.managedFields;
  return obj;
}

const INITIAL_BACKOFF_MS = 800; // client-go's reflector: 800 ms doubling to 30 s
const MAX_BACKOFF_MS = 30_000;

export class ResilientInformer<T extends KubernetesObject> {
  /** The informer whose list is in: what reads are served from. */
  private current: Informer<T> | undefined;
  /** The latest informer started, listing or watching. */
  private latest: Informer<T> | undefined;
  /** Events and errors of replaced informers are ignored. */
  private generation = 0;
  private failures = 0;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;
  private relistTimer: NodeJS.Timeout | undefined;
  /** True once a list has arrived. */
  synced = false;

  constructor(private readonly o: ResilientInformerOptions<T>) {}

  async start(): Promise<void> {
    this.stopped = false;
    this.spawn();
    this.relistTimer = setInterval(() => {
      if (!this.restartTimer) this.spawn();
    }, this.o.relistMs);
    this.relistTimer.unref();
  }

  /** Every object the current informer holds. */
  cached(): T[] {
    return (this.current as unknown as { list(ns?: string): T[] } | undefined)?.list() ?? [];
  }

  /** One cached object, or undefined. */
  get(namespace: string, name: string): T | undefined {
    return (this.current as unknown as { get(name: string, ns?: string): T | undefined } | undefined)?.get(name, namespace);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.restartTimer);
    clearInterval(this.relistTimer);
    await this.latest?.stop().catch(() => {});
  }

  /** Replaces the latest informer with a fresh one: list, then watch; reads move to it once it has listed. */
  private spawn(): void {
    const previous = this.latest;
    const gen = ++this.generation;
    void previous?.stop().catch(() => {});
    const live = () => gen === this.generation && !this.stopped;
    // Its first event comes from storing the list, which happens in one synchronous loop: anything the
    // event makes run (a reconcile) runs after that loop, when the whole list is in. An empty list has no
    // event: then once the list's promise has settled (listed).
    const takeOver = () => {
      if (!live() || this.current === informer) return;
      this.current = informer;
      this.synced = true;
    };
    const informer = this.makeInformer(takeOver);
    for (const verb of ['add', 'update', 'delete'] as const) {
      informer.on(verb, (obj) => {
        if (!live()) return;
        takeOver();
        this.o.onChange(obj, verb);
      });
    }
    informer.on('connect', () => {
      if (live()) this.failures = 0;
    });
    informer.on('error', (err: unknown) => {
      if (live()) this.restartLater(err);
    });
    this.latest = informer;
    informer.start().catch((err: unknown) => {
      if (live()) this.restartLater(err);
    });
  }

  /**
   * client-node's ListWatch (makeInformer's), with every listed and watched object trimmed before it is
   * cached; `listed` is called once the list's objects are in its cache.
   */
  private makeInformer(listed: () => void): Informer<T> {
    const trim = this.o.trim ?? trimCached;
    const watch = new Watch(this.o.kc);
    const trimming = {
      watch: (path, query, callback, done) => watch.watch(path, query, (phase, obj, raw) => callback(phase, obj && typeof obj === 'object' && phase !== 'ERROR' ? trim(obj as T) : obj, raw), done),
    } as Pick<Watch, 'watch'> as Watch;
    const list: ListPromise<T> = async () => {
      const result = await this.o.list();
      result.items = result.items.map(trim);
      // ListWatch stores the items in the microtasks that follow this promise; setImmediate runs after them.
      setImmediate(listed);
      return result;
    };
    return new ListWatch<T>(this.o.path, trimming, list, false, this.o.labelSelector);
  }

  private restartLater(err: unknown): void {
    if (this.stopped || this.restartTimer) return;
    const base = Math.min(INITIAL_BACKOFF_MS * 2 ** this.failures, MAX_BACKOFF_MS);
    const delay = base / 2 + Math.random() * (base / 2);
    this.failures++;
    this.o.log.warn({ informer: this.o.name, err: (err as Error)?.message ?? String(err), retryInMs: Math.round(delay) }, 'watch failed; restarting');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopped) this.spawn();
    }, delay);
  }
}
