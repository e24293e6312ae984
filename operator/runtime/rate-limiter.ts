/**
 * Requeue delays with controller-runtime's default shape: the larger of a per-key
 * exponential backoff (5 ms · 2^failures, capped at 1000 s) and a token bucket shared
 * by all keys (10 per second, burst 100), so one failing key backs off alone and
 * a storm of failures cannot hammer the API server or the registry.
 */
export interface RateLimiter<K> {
  /** Delay before the key's next attempt; counts a failure. */
  when(key: K): number;
  /** Failures counted for the key since it last succeeded. */
  retries(key: K): number;
  /** The key succeeded: its backoff starts over. */
  forget(key: K): void;
}

export class ExponentialFailureRateLimiter<K> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();

  constructor(
    private readonly baseMs = 5,
    private readonly maxMs = 1_000_000,
  ) {}

  when(key: K): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.baseMs * 2 ** n, this.maxMs);
  }

  retries(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: K): void {
    this.failures.delete(key);
  }
}

/** A token bucket: each call reserves the next token and returns how long until it is available. */
export class BucketRateLimiter<K> implements RateLimiter<K> {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond = 10,
    private readonly burst = 100,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  when(_key: K): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.perSecond) * 1000);
  }

  retries(): number {
    return 0;
  }

  forget(): void {}
}

/** The maximum of several limiters' delays. */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  private readonly limiters: RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.limiters = limiters;
  }

  when(key: K): number {
    return Math.max(...this.limiters.map((l) => l.when(key)));
  }

  retries(key: K): number {
    return Math.max(...this.limiters.map((l) => l.retries(key)));
  }

  forget(key: K): void {
    for (const l of this.limiters) l.forget(key);
  }
}

export const defaultControllerRateLimiter = <K>() =>
  new MaxOfRateLimiter<K>(new ExponentialFailureRateLimiter<K>(5, 1_000_000), new BucketRateLimiter<K>(10, 100));
