/**
 * WORKERS > 1: this process prepares what must happen once (admin token file, migrations),
 * forks the workers that serve requests on the shared port (node:cluster), replaces a worker
 * that dies, aggregates their metrics and stops them all on SIGTERM. It serves no request
 * itself. Workers keep their read caches coherent the way replicas do: PostgreSQL's change
 * notifications (repository/change-listener.ts).
 */
import cluster, { type Worker } from 'node:cluster';
import type { AddressInfo } from 'node:net';
import client from 'prom-client';
import { adminTokenFor } from '../config/admin-token.js';
import type { Config } from '../config/config.js';
import type { MetricsExposition } from '../http/metrics-middleware.js';
import { listenMetrics } from '../http/metrics-server.js';
import type { Logger } from '../logger.js';
import { migrate } from '../repository/sql/migrate.js';
import { openChecksumLog, openDatabase, type RunningRegistry } from '../server.js';
import { isClusterMessage, type ClusterMessage } from './messages.js';

/** More unexpected worker exits than this within RESTART_WINDOW_MS: the pod is unwell, so exit and let Kubernetes see it. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

export async function runPrimary(config: Config, logger: Logger, workers: number, onFatal: (err: Error) => void): Promise<RunningRegistry> {
  await prepareOnce(config, logger);
  const aggregator = new client.AggregatorRegistry();
  // Every worker's registry, summed (histograms and counters) or kept per process as prom-client decides.
  const exposition: MetricsExposition = { contentType: aggregator.contentType, metrics: () => aggregator.clusterMetrics() };
  const pool = new WorkerPool(workers, exposition, logger, onFatal);
  const address = await pool.started.catch(async (err: unknown) => {
    await pool.stop();
    throw err;
  });
  const metricsServer = config.metricsPort === undefined ? undefined : await listenMetrics(exposition, config.metricsPort, config.host);
  const metricsPort = metricsServer && (metricsServer.address() as AddressInfo).port;
  const { port, url } = address;
  logger.info({ port, url, metricsPort, workers }, 'listening');
  const host = new URL(url).hostname;
  return {
    port,
    url,
    metricsUrl: metricsPort === undefined ? undefined : `http://${host}:${metricsPort}/metrics`,
    close: async () => {
      await pool.stop();
      metricsServer?.close();
    },
  };
}

/** Once, before any worker starts: a generated admin token is written here and read by every worker; migrations run. */
async function prepareOnce(config: Config, logger: Logger): Promise<void> {
  const admin = await adminTokenFor(config);
  if (admin?.file) logger.info({ file: admin.file, generated: admin.generated }, 'admin token is kept in this file (mode 0600)');
  const db = await openDatabase(config);
  try {
    logger.info({ database: db.kind, applied: await migrate(db) }, 'database ready');
    await openChecksumLog(config, db, logger, true);
  } finally {
    await db.close();
  }
}

/**
 * The workers: forked, answered when they ask for the Pod's metrics, replaced when they
 * die (within a restart budget), stopped together. `started` resolves with the address once
 * all of them listen, and rejects if one dies before that (as one process failing to start would).
 */
class WorkerPool {
  readonly started: Promise<{ port: number; url: string }>;
  private announce!: (address: { port: number; url: string }) => void;
  private startupFailed!: (err: Error) => void;
  private address: { port: number; url: string } | undefined;
  private readonly listening = new Set<number>();
  private readonly restarts: number[] = [];
  private ready = false;
  private stopping = false;

  constructor(
    private readonly size: number,
    private readonly exposition: MetricsExposition,
    private readonly logger: Logger,
    private readonly onFatal: (err: Error) => void,
  ) {
    this.started = new Promise((resolve, reject) => {
      this.announce = resolve;
      this.startupFailed = reject;
    });
    for (let i = 0; i < size; i++) this.fork();
  }

  private fork(): void {
    const worker = cluster.fork();
    worker.on('message', (m: unknown) => {
      if (isClusterMessage(m)) this.onMessage(worker, m);
    });
    worker.on('exit', (code, signal) => this.onExit(worker, code, signal));
  }

  private onMessage(worker: Worker, m: ClusterMessage): void {
    const send = (reply: ClusterMessage) => worker.isConnected() && worker.send(reply);
    if (m.type === 'go-registry:listening') {
      this.address ??= { port: m.port, url: m.url };
      this.listening.add(worker.id);
      if (!this.ready && this.listening.size === this.size) {
        this.ready = true;
        this.announce(this.address);
      }
    } else if (m.type === 'go-registry:metrics-request') {
      this.exposition.metrics().then(
        (text) => send({ type: 'go-registry:metrics-response', id: m.id, text }),
        (err: Error) => send({ type: 'go-registry:metrics-response', id: m.id, error: err.message }),
      );
    }
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    this.listening.delete(worker.id);
    if (this.stopping) return;
    const err = new Error(`worker ${worker.id} exited (${signal ?? `code ${code}`})`);
    // A worker that cannot start (database unreachable, port taken) fails the whole start, as one process would.
    if (!this.ready) return this.startupFailed(err);
    const now = Date.now();
    this.restarts.push(now);
    while (this.restarts[0]! < now - RESTART_WINDOW_MS) this.restarts.shift();
    if (this.restarts.length > MAX_RESTARTS) {
      return this.onFatal(new Error(`${err.message}: more than ${MAX_RESTARTS} worker exits in ${RESTART_WINDOW_MS / 1000} s`));
    }
    this.logger.error({ worker: worker.id, code, signal }, 'worker exited: starting another');
    this.fork();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
    await Promise.all(
      alive.map(
        (w) =>
          new Promise<void>((resolve) => {
            w.once('exit', () => resolve());
            w.process.kill('SIGTERM');
          }),
      ),
    );
  }
}
