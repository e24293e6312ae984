/**
 * A work queue with client-go's semantics, which controller-runtime builds on:
 * a key waiting in the queue is held once however often it is added; a key being
 * processed is never handed out again until done(), and if it was added meanwhile it
 * is queued again then. Delayed and rate-limited adds sit on timers until due.
 */
import type { RateLimiter } from './rate-limiter.js';

export interface QueueObserver {
  add(): void;
  depth(n: number): void;
  /** Seconds a key waited in the queue before a worker took it. */
  queued(seconds: number): void;
  /** Seconds a worker spent on a key. */
  worked(seconds: number): void;
  retry(): void;
}

const noObserver: QueueObserver = { add() {}, depth() {}, queued() {}, worked() {}, retry() {} };

export class WorkQueue<K> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Map<K, number>();
  private readonly addedAt = new Map<K, number>();
  private readonly waiting = new Map<K, { due: number; timer: NodeJS.Timeout }>();
  private readonly getters: ((key: K | undefined) => void)[] = [];
  private drained: (() => void) | undefined;
  private shuttingDown = false;

  constructor(
    private readonly limiter: RateLimiter<K>,
    private readonly observer: QueueObserver = noObserver,
  ) {}

  get length(): number {
    return this.queue.length;
  }

  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.observer.add();
    this.dirty.add(key);
    this.addedAt.set(key, Date.now());
    if (this.processing.has(key)) return; // queued again by done()
    this.push(key);
  }

  /** Adds the key after a delay; a pending earlier add wins. */
  addAfter(key: K, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const due = Date.now() + ms;
    const pending = this.waiting.get(key);
    if (pending && pending.due <= due) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.waiting.set(key, { due, timer });
  }

  addRateLimited(key: K): void {
    this.observer.retry();
    this.addAfter(key, this.limiter.when(key));
  }

  forget(key: K): void {
    this.limiter.forget(key);
  }

  retries(key: K): number {
    return this.limiter.retries(key);
  }

  /** The next key to work on; undefined once the queue is shut down and empty. */
  get(): Promise<K | undefined> {
    if (this.queue.length > 0) return Promise.resolve(this.take());
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  done(key: K): void {
    const started = this.processing.get(key);
    this.processing.delete(key);
    if (started !== undefined) this.observer.worked((Date.now() - started) / 1000);
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
    if (this.processing.size === 0) this.drained?.();
  }

  /** Seconds the longest-running key has been processed, and the sum over all (unfinished work). */
  inFlight(): { longest: number; total: number } {
    const now = Date.now();
    let longest = 0;
    let total = 0;
    for (const started of this.processing.values()) {
      const s = (now - started) / 1000;
      longest = Math.max(longest, s);
      total += s;
    }
    return { longest, total };
  }

  /** Stops handing out keys and resolves when every key in progress is done. */
  async shutDownWithDrain(): Promise<void> {
    this.shuttingDown = true;
    for (const { timer } of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
    for (const getter of this.getters.splice(0)) getter(undefined);
    if (this.processing.size > 0) await new Promise<void>((resolve) => (this.drained = resolve));
  }

  private push(key: K): void {
    const getter = this.getters.shift();
    if (getter) {
      this.queue.push(key);
      getter(this.take());
      return;
    }
    this.queue.push(key);
    this.observer.depth(this.queue.length);
  }

  private take(): K {
    const key = this.queue.shift()!;
    this.dirty.delete(key);
    this.processing.set(key, Date.now());
    this.observer.queued((Date.now() - (this.addedAt.get(key) ?? Date.now())) / 1000);
    this.addedAt.delete(key);
    this.observer.depth(this.queue.length);
    return key;
  }
}
