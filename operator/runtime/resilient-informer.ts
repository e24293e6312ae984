/**
 * An informer that stays up. client-node's informer stops on watch errors other
 * than 410; this one restarts it with jittered exponential backoff, restarts it every
 * relist period (which also bounds how long a silently dead watch can go unnoticed),
 * and can replay its cache for a periodic resync.
 */
import { makeInformer, type KubeConfig, type KubernetesObject, type ListPromise } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export interface ResilientInformerOptions<T extends KubernetesObject> {
  kc: KubeConfig;
  name: string;
  path: string;
  list: ListPromise<T>;
  labelSelector?: string;
  relistMs: number;
  onChange: (obj: T) => void;
  log: Logger;
}

const MAX_BACKOFF_MS = 30_000; // client-go reflector: 800 ms doubling to 30 s

export class ResilientInformer<T extends KubernetesObject> {
  private readonly informer;
  private failures = 0;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private relistTimer: NodeJS.Timeout | undefined;
  /** True once the first list arrived. */
  synced = false;

  constructor(private readonly o: ResilientInformerOptions<T>) {
    this.informer = makeInformer<T>(o.kc, o.path, o.list, o.labelSelector);
    for (const verb of ['add', 'update', 'delete'] as const) this.informer.on(verb, (obj) => o.onChange(obj));
    this.informer.on('connect', () => {
      this.synced = true;
      this.failures = 0;
    });
    this.informer.on('error', (err: unknown) => this.restartLater(err));
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.informer.start().catch((err: unknown) => this.restartLater(err));
    this.relistTimer = setInterval(() => void this.relist(), this.o.relistMs);
    this.relistTimer.unref();
  }

  /** Every cached object, e.g. for a periodic resync. */
  cached(): T[] {
    return (this.informer as unknown as { list(ns?: string): T[] }).list();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.relistTimer);
    await this.informer.stop().catch(() => {});
  }

  private restartLater(err: unknown): void {
    if (this.stopped || this.restartTimer) return;
    const base = Math.min(800 * 2 ** this.failures, MAX_BACKOFF_MS);
    const delay = base / 2 + Math.random() * (base / 2);
    this.failures++;
    this.o.log.warn({ informer: this.o.name, err: (err as Error)?.message ?? String(err), retryInMs: Math.round(delay) }, 'watch failed; restarting');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      this.informer.start().catch((e: unknown) => this.restartLater(e));
    }, delay);
  }

  private async relist(): Promise<void> {
    if (this.stopped || this.restartTimer) return;
    await this.informer.stop().catch(() => {});
    await this.informer.start().catch((err: unknown) => this.restartLater(err));
    for (const obj of this.cached()) this.o.onChange(obj);
  }
}
