/**
 * One upstream fetch per file, in this process and across replicas and workers. In the
 * process, concurrent callers share one promise. Across processes, a lease row decides
 * (CacheRepository.acquireLease): its holder fetches and renews the lease while it
 * works; the others poll for the result, and take over if the lease lapses (the
 * holder died).
 */
import { upstreamTimeout } from '../domain/domain-error.js';
import type { CacheRepository } from '../repository/cache-repository.js';

export interface SingleFlightOptions {
  holder: string;
  leaseMs: number;
  pollMs: number;
  /** How long a caller waits for another process's fetch before giving up. */
  waitMs: number;
}

export class SingleFlight {
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly repo: CacheRepository,
    private readonly options: SingleFlightOptions,
  ) {}

  /** Runs fetch once for key unless done() already holds; resolves once done() holds or fetch failed. */
  run(key: string, done: () => Promise<boolean>, fetch: () => Promise<void>): Promise<void> {
    let flight = this.inFlight.get(key);
    if (!flight) {
      flight = this.fly(key, done, fetch).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, flight);
    }
    return flight;
  }

  private async fly(key: string, done: () => Promise<boolean>, fetch: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + this.options.waitMs;
    while (!(await done())) {
      if (await this.repo.acquireLease(key, this.options.holder, this.options.leaseMs)) return this.holding(key, done, fetch);
      if (Date.now() > deadline) throw upstreamTimeout(`another replica's fetch of ${key} did not finish in time`);
      await new Promise((r) => setTimeout(r, this.options.pollMs));
    }
  }

  private async holding(key: string, done: () => Promise<boolean>, fetch: () => Promise<void>): Promise<void> {
    const { holder, leaseMs } = this.options;
    const renew = setInterval(() => void this.repo.acquireLease(key, holder, leaseMs).catch(() => {}), leaseMs / 3);
    renew.unref();
    try {
      // Another holder may have finished between our check and our lease.
      if (!(await done())) await fetch();
    } finally {
      clearInterval(renew);
      await this.repo.releaseLease(key, holder).catch(() => {});
    }
  }
}
