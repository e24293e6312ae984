/**
 * Wires adapters, services and the HTTP app for one configuration, and starts
 * listening. main.ts calls it for the process; tests call it in-process.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { FsBlobStore } from './blob/fs-blob-store.js';
import { resolveAdminToken } from './config/admin-token.js';
import type { Config } from './config/config.js';
import { createApp } from './http/app.js';
import { answerClientErrors } from './http/client-errors.js';
import { listenMetrics } from './http/metrics-server.js';
import { joinCluster } from './cluster/worker-link.js';
import { RegistryMetrics } from './metrics.js';
import { createTlsServer } from './http/tls-server.js';
import type { Logger } from './logger.js';
import { migrate } from './repository/migrate.js';
import { SqlModuleVersionRepository, type ModuleVersionRepository } from './repository/module-version-repository.js';
import { PgDatabase } from './repository/pg-database.js';
import { PgliteDatabase } from './repository/pglite-database.js';
import type { SqlDatabase } from './repository/sql-database.js';
import { SqlOwnerRepository, type OwnerRepository } from './repository/owner-repository.js';
import { CachedModuleVersionRepository, CachedOwnerRepository } from './repository/cached-repositories.js';
import { listenForChanges, type ChangeListener } from './repository/change-listener.js';
import { ReadCache } from './repository/read-cache.js';
import { AuthService } from './service/auth-service.js';
import { BlobCollector } from './service/blob-collector.js';
import { BlobSweeper, scheduleSweeps, type SweepSchedule } from './service/blob-sweeper.js';
import { DeleteService } from './service/delete-service.js';
import { OwnerService } from './service/owner-service.js';
import { ModuleReadService } from './service/module-read-service.js';
import { PublishService } from './service/publish-service.js';

export interface RunningRegistry {
  port: number;
  url: string;
  /** Where /metrics is served when METRICS_PORT is set. */
  metricsUrl: string | undefined;
  close(): Promise<void>;
}

export async function openDatabase(config: Config): Promise<SqlDatabase> {
  if (config.databaseUrl) {
    return new PgDatabase(config.databaseUrl, {
      connectTimeoutMs: config.databaseConnectTimeoutMs,
      queryTimeoutMs: config.databaseQueryTimeoutMs,
    });
  }
  const dir = path.join(config.dataDir, 'pglite');
  await mkdir(dir, { recursive: true });
  return PgliteDatabase.open(dir);
}

export interface StartOptions {
  /**
   * One of several worker processes (WORKERS > 1): the primary has run the migrations,
   * serves METRICS_PORT and aggregates /metrics; this process tells it when it listens.
   */
  worker?: boolean;
}

export async function startRegistry(config: Config, logger: Logger, options: StartOptions = {}): Promise<RunningRegistry> {
  const admin = await resolveAdminToken(config.adminToken, config.dataDir);
  if (admin.file && !options.worker) {
    logger.info({ file: admin.file, generated: admin.generated }, 'admin token is kept in this file (mode 0600)');
  }
  const db = await openDatabase(config);
  if (!options.worker) logger.info({ database: db.kind, applied: await migrate(db) }, 'database ready');
  const blobs = await FsBlobStore.open(config.storageDir, { contentCacheBytes: config.zipCacheBytes });
  const metrics = new RegistryMetrics({ poolStats: () => db.poolStats?.(), zipCache: () => blobs.contentCacheStats() });
  const { repo, ownerRepo, changes } = await readPath(config, db, logger, metrics);
  const link = options.worker ? joinCluster(metrics.registry) : undefined;
  const collector = new BlobCollector(repo, blobs);
  const cleanupFailed = (err: unknown) => logger.warn({ err }, 'files of a delete are left for the sweeper');
  const app = createApp({
    logger,
    metrics,
    exposition: config.metricsPort !== undefined ? undefined : (link?.exposition ?? metrics.registry),
    auth: new AuthService(ownerRepo, admin.value, (err) => logger.warn({ err }, 'could not record token use')),
    owners: new OwnerService(ownerRepo, collector, cleanupFailed),
    publisher: new PublishService(repo, blobs, config.maxUploadBytes),
    reader: new ModuleReadService(repo, blobs),
    deleter: new DeleteService(repo, collector, cleanupFailed),
    readiness: {
      database: async () => void (await db.query('SELECT 1')),
      blobStore: () => blobs.checkWritable(),
    },
  });
  const sweeps = startSweeps(config, new BlobSweeper(repo, blobs, collector, config.sweepGraceMs), logger, metrics);
  const server = await listen(config, app.callback(), logger);
  const metricsServer = config.metricsPort === undefined || link ? undefined : await listenMetrics(metrics.registry, config.metricsPort, config.host);
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `${config.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const metricsPort = metricsServer && (metricsServer.address() as AddressInfo).port;
  if (link) link.listening(port, url);
  logger.info({ port, url, metricsPort }, link ? 'worker listening' : 'listening');
  return {
    port,
    url,
    metricsUrl: metricsPort === undefined ? undefined : `http://${host}:${metricsPort}/metrics`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      metricsServer?.close();
      await sweeps.stop();
      await changes?.close();
      await db.close();
      await blobs.close();
    },
  };
}

async function listen(config: Config, handler: http.RequestListener, logger: Logger): Promise<http.Server> {
  const server = config.tls ? createTlsServer(config.tls, handler, logger) : http.createServer(handler);
  // Uploads of hundreds of MiB over slow links must not be cut by the default 5 min request timeout.
  server.requestTimeout = 0;
  answerClientErrors(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  return server;
}

function startSweeps(config: Config, sweeper: BlobSweeper, logger: Logger, metrics: RegistryMetrics): SweepSchedule {
  return scheduleSweeps(sweeper, config.sweepIntervalMs, (result, err) => {
    metrics.sweeps.inc({ result: err ? 'error' : 'ok' });
    if (err) return logger.warn({ err }, 'sweep failed; tried again at the next interval');
    if (!result) return;
    metrics.swept.inc({ kind: 'blob' }, result.blobs);
    metrics.swept.inc({ kind: 'temp' }, result.temps);
    metrics.sweptBytes.inc({ kind: 'blob' }, result.blobBytes);
    metrics.sweptBytes.inc({ kind: 'temp' }, result.tempBytes);
    if (result.blobs + result.temps > 0) logger.info(result, 'swept unreferenced blobs and stale temp files');
  });
}

/**
 * The repositories, behind the read cache unless READ_CACHE_MB=0. PGlite is one
 * process, so its cache is always coherent; with PostgreSQL the cache is on only while
 * change notifications from other replicas are being received.
 */
async function readPath(
  config: Config,
  db: SqlDatabase,
  logger: Logger,
  metrics: RegistryMetrics,
): Promise<{ repo: ModuleVersionRepository; ownerRepo: OwnerRepository; changes?: ChangeListener }> {
  const repo = new SqlModuleVersionRepository(db);
  const ownerRepo = new SqlOwnerRepository(db);
  if (config.readCacheBytes === 0) return { repo, ownerRepo };
  const cache = new ReadCache({
    maxBytes: config.readCacheBytes,
    enabled: !config.databaseUrl,
    loadDirectory: async () => ({ owners: await ownerRepo.listOwners(), tokens: await ownerRepo.listTokenRecords() }),
  });
  let changes: ChangeListener | undefined;
  if (config.databaseUrl) {
    changes = listenForChanges(config.databaseUrl, cache, {
      heartbeatMs: config.changesHeartbeatMs,
      onError: (err) => logger.warn({ err }, 'change notifications lost: read cache off until they are back'),
      onState: (listening) => {
        metrics.changeListener.set(listening ? 1 : 0);
        if (listening) logger.info('change notifications received: read cache on');
      },
    });
    await changes.start();
  }
  return { repo: new CachedModuleVersionRepository(repo, cache), ownerRepo: new CachedOwnerRepository(ownerRepo, cache), changes };
}
