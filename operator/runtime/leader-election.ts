/**
 * Leader election on a coordination.k8s.io Lease, with client-go's timings: a
 * 15 s lease, renewals every 2 s, leadership given up when a renewal has not
 * succeeded for 10 s. Two replicas never both act; the Lease is released on shutdown
 * so a successor takes over at once.
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
  onLeading: () => void;
  /** Leadership lost: the process must stop acting (controller-runtime exits). */
  onLost: () => void;
}

const code = (err: unknown) => (err instanceof ApiException ? err.code : undefined);
/** Lease times are MicroTime: the API server insists on six fractional digits. */
const microTime = (d: Date) => new V1MicroTime(d.getTime());

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private lastRenew = 0;
  private stopped = false;

  constructor(private readonly o: LeaderElectionOptions) {
    this.api = o.kc.makeApiClient(CoordinationV1Api);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      const ok = await this.tryAcquireOrRenew().catch((err: unknown) => {
        this.o.log.warn({ err: (err as Error).message }, 'lease update failed');
        return false;
      });
      const now = Date.now();
      if (ok) {
        this.lastRenew = now;
        if (!this.leading) {
          this.leading = true;
          this.o.log.info({ lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity }, 'became leader');
          this.o.onLeading();
        }
      } else if (this.leading && now - this.lastRenew > (this.o.renewDeadlineMs ?? 10_000)) {
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
    const now = new Date();
    const leaseSeconds = this.o.leaseSeconds ?? 15;
    const lease = await this.read();
    if (!lease) {
      await this.api.createNamespacedLease({
        namespace: this.o.namespace,
        body: {
          metadata: { name: this.o.name, namespace: this.o.namespace },
          spec: { holderIdentity: this.o.identity, leaseDurationSeconds: leaseSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        },
      });
      return true;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity;
    const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    const expired = renewed + (spec.leaseDurationSeconds ?? leaseSeconds) * 1000 < now.getTime();
    if (holder && holder !== this.o.identity && !expired) return false;
    const takeover = holder !== this.o.identity;
    lease.spec = {
      ...spec,
      holderIdentity: this.o.identity,
      leaseDurationSeconds: leaseSeconds,
      renewTime: microTime(now),
      ...(takeover ? { acquireTime: microTime(now), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
    };
    try {
      await this.api.replaceNamespacedLease({ namespace: this.o.namespace, name: this.o.name, body: lease });
      return true;
    } catch (err) {
      if (code(err) === 409) return false; // someone else wrote it first
      throw err;
    }
  }
}
