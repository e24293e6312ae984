/**
 * Leader election on a coordination.k8s.io Lease, with client-go's timings: a
 * 15 s lease, renewals every 2 s, leadership given up when a renewal has not
 * succeeded for 10 s. Two replicas never both act; the Lease is released on shutdown
 * so a successor takes over at once.
 *
 * Expiry is judged as client-go's leaderelection does, by local time only: a candidate
 * records when, on its own clock, it last saw the Lease change (holder, renewTime or
 * resourceVersion), and takes it over only once it has seen no change for the lease
 * duration. The holder's renewTime is never compared with the local clock, so clocks
 * that disagree (by a minute, say) cannot make two leaders or delay a failover.
 */
import { ApiException, CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export interface LeaderElectionOptions {
  kc: KubeConfig;
  namespace: string;
  name: string;
  identity: string;
  leaseSeconds?: number;
  renewDeadlineMs?: number;
  retryMs?: number;
  log: Logger;
  /** The local clock in ms; only differences between its readings matter (tests skew it). */
  now?: () => number;
  onLeading: () => void;
  /** Leadership lost: the process must stop acting (controller-runtime exits). */
  onLost: () => void;
}

const code = (err: unknown) => (err instanceof ApiException ? err.code : undefined);
/** Lease times are MicroTime: the API server insists on six fractional digits. */
const microTime = (ms: number) => new V1MicroTime(ms);

/** The Lease as this candidate last saw it, and when on its own clock it saw it change. */
interface Observation {
  record: string;
  durationMs: number;
  observedAt: number;
}

/** What identifies a version of the Lease record: a change to any of these restarts the expiry countdown. */
const recordOf = (lease: V1Lease) =>
  JSON.stringify([lease.metadata?.resourceVersion, lease.spec?.holderIdentity, lease.spec?.renewTime && new Date(lease.spec.renewTime).toISOString()]);

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private lastRenew = 0;
  private stopped = false;
  private observed: Observation | undefined;

  constructor(private readonly o: LeaderElectionOptions) {
    this.api = o.kc.makeApiClient(CoordinationV1Api);
    this.now = o.now ?? Date.now;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      // A renewal counts from before its request: the Lease's other readers may see it from then on.
      const attempt = this.now();
      const ok = await this.tryAcquireOrRenew().catch((err: unknown) => {
        this.o.log.warn({ err: (err as Error).message }, 'lease update failed');
        return false;
      });
      if (ok) {
        this.lastRenew = attempt;
        if (!this.leading) {
          this.leading = true;
          this.o.log.info({ lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity }, 'became leader');
          this.o.onLeading();
        }
      } else if (this.leading && this.now() - this.lastRenew > (this.o.renewDeadlineMs ?? 10_000)) {
        this.leading = false;
        this.o.log.error('leadership lost');
        this.o.onLost();
        return;
      }
      this.timer = setTimeout(() => void tick(), this.o.retryMs ?? 2_000);
    };
    void tick();
  }

  /** Stops renewing and, if leading, hands the Lease back. */
  async release(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    const lease = await this.read();
    if (lease?.spec?.holderIdentity !== this.o.identity) return;
    lease.spec = { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1 };
    await this.api.replaceNamespacedLease({ namespace: this.o.namespace, name: this.o.name, body: lease }).catch(() => {});
  }

  private async read(): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({ namespace: this.o.namespace, name: this.o.name });
    } catch (err) {
      if (code(err) === 404) return undefined;
      throw err;
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const leaseSeconds = this.o.leaseSeconds ?? 15;
    const lease = await this.read();
    const now = this.now();
    if (!lease) return this.create(leaseSeconds, now);
    this.observe(lease, now, leaseSeconds);
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity;
    if (holder && holder !== this.o.identity && !this.observedExpired(now)) return false;
    const takeover = holder !== this.o.identity;
    lease.spec = {
      ...spec,
      holderIdentity: this.o.identity,
      leaseDurationSeconds: leaseSeconds,
      renewTime: microTime(now),
      ...(takeover ? { acquireTime: microTime(now), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
    };
    try {
      const written = await this.api.replaceNamespacedLease({ namespace: this.o.namespace, name: this.o.name, body: lease });
      this.observe(written, now, leaseSeconds);
      return true;
    } catch (err) {
      if (code(err) === 409) return false; // someone else wrote it first
      throw err;
    }
  }

  private async create(leaseSeconds: number, now: number): Promise<boolean> {
    try {
      const created = await this.api.createNamespacedLease({
        namespace: this.o.namespace,
        body: {
          metadata: { name: this.o.name, namespace: this.o.namespace },
          spec: { holderIdentity: this.o.identity, leaseDurationSeconds: leaseSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        },
      });
      this.observe(created, now, leaseSeconds);
      return true;
    } catch (err) {
      if (code(err) === 409) return false; // another candidate created it first
      throw err;
    }
  }

  /** Notes the Lease record; the local time is kept only when the record changed since the last look. */
  private observe(lease: V1Lease, now: number, leaseSeconds: number): void {
    const record = recordOf(lease);
    if (this.observed?.record === record) return;
    const durationMs = (lease.spec?.leaseDurationSeconds ?? leaseSeconds) * 1000;
    this.observed = { record, durationMs, observedAt: now };
  }

  /** Expired when the record has not changed for its lease duration, on this candidate's clock. */
  private observedExpired(now: number): boolean {
    return this.observed !== undefined && this.observed.observedAt + this.observed.durationMs < now;
  }
}
