/**
 * WORKERS > 1: this process prepares what must happen once (admin token file, migrations),
 * forks the workers that serve requests on the shared port (node:cluster), replaces a worker
 * that dies, aggregates their metrics and stops them all on SIGTERM. It serves no request
 * itself. Workers keep their read caches coherent the way replicas do: PostgreSQL's change
 * notifications (repository/change-listener.ts).
 */
import cluster, { type Worker } from 'node:cluster';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import client from 'prom-client';
import { resolveAdminToken } from '../config/admin-token.js';
import type { Config } from '../config/config.js';
import type { MetricsExposition } from '../http/metrics-middleware.js';
import { listenMetrics } from '../http/metrics-server.js';
import type { Logger } from '../logger.js';
import { migrate } from '../repository/migrate.js';
import { openDatabase, type RunningRegistry } from '../server.js';
import { isClusterMessage, type ClusterMessage } from './messages.js';

/** More unexpected worker exits than this within RESTART_WINDOW_MS: the pod is unwell, so exit and let Kubernetes see it. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

export async function runPrimary(config: Config, logger: Logger, workers: number, onFatal: (err: Error) => void): Promise<RunningRegistry> {
  // Once, before any worker starts: a generated admin token is written here and read by every worker.
  const admin = await resolveAdminToken(config.adminToken, config.dataDir);
  if (admin.file) logger.info({ file: admin.file, generated: admin.generated }, 'admin token is kept in this file (mode 0600)');
  const db = await openDatabase(config);
  try {
    logger.info({ database: db.kind, applied: await migrate(db) }, 'database ready');
  } finally {
    await db.close();
  }

  const aggregator = new client.AggregatorRegistry();
  // Every worker's registry, summed (histograms and counters) or kept per process as prom-client decides.
  const exposition: MetricsExposition = { contentType: aggregator.contentType, metrics: () => aggregator.clusterMetrics() };
  const send = (w: Worker, m: ClusterMessage) => w.isConnected() && w.send(m);
  let stopping = false;
  let ready = false;
  const restarts: number[] = [];
  let address: { port: number; url: string } | undefined;
  const listening = new Set<number>();
  let announce!: () => void;
  let startupFailed!: (err: Error) => void;
  const started = new Promise<void>((resolve, reject) => {
    announce = resolve;
    startupFailed = reject;
  });

  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (m: unknown) => {
      if (!isClusterMessage(m)) return;
      if (m.type === 'go-registry:listening') {
        address ??= { port: m.port, url: m.url };
        listening.add(worker.id);
        if (!ready && listening.size === workers) {
          ready = true;
          announce();
        }
      } else if (m.type === 'go-registry:metrics-request') {
        exposition.metrics().then(
          (text) => send(worker, { type: 'go-registry:metrics-response', id: m.id, text }),
          (err: Error) => send(worker, { type: 'go-registry:metrics-response', id: m.id, error: err.message }),
        );
      }
    });
    worker.on('exit', (code, signal) => {
      listening.delete(worker.id);
      if (stopping) return;
      const err = new Error(`worker ${worker.id} exited (${signal ?? `code ${code}`})`);
      // A worker that cannot start (database unreachable, port taken) fails the whole start, as one process would.
      if (!ready) return startupFailed(err);
      const now = Date.now();
      restarts.push(now);
      while (restarts[0]! < now - RESTART_WINDOW_MS) restarts.shift();
      if (restarts.length > MAX_RESTARTS) return onFatal(new Error(`${err.message}: more than ${MAX_RESTARTS} worker exits in ${RESTART_WINDOW_MS / 1000} s`));
      logger.error({ worker: worker.id, code, signal }, 'worker exited: starting another');
      fork();
    });
  };

  const stopWorkers = async () => {
    stopping = true;
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
  };

  for (let i = 0; i < workers; i++) fork();
  try {
    await started;
  } catch (err) {
    await stopWorkers();
    throw err;
  }
  let metricsServer: http.Server | undefined;
  if (config.metricsPort !== undefined) metricsServer = await listenMetrics(exposition, config.metricsPort, config.host);
  const metricsPort = metricsServer && (metricsServer.address() as AddressInfo).port;
  const { port, url } = address!;
  logger.info({ port, url, metricsPort, workers }, 'listening');
  const host = new URL(url).hostname;
  return {
    port,
    url,
    metricsUrl: metricsPort === undefined ? undefined : `http://${host}:${metricsPort}/metrics`,
    close: async () => {
      await stopWorkers();
      metricsServer?.close();
    },
  };
}
