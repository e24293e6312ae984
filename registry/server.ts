/**
 * Wires adapters, services and the HTTP app for one configuration, and starts
 * listening. main.ts calls it for the process; tests call it in-process.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FsBlobStore } from './blob/fs-blob-store.js';
import { resolveAdminToken } from './config/admin-token.js';
import type { Config } from './config/config.js';
import { createApp } from './http/app.js';
import { listenMetrics } from './http/metrics-server.js';
import { joinCluster } from './cluster/worker-link.js';
import { RegistryMetrics } from './metrics.js';
import { createTlsServer } from './http/tls-server.js';
import type { Logger } from './logger.js';
import { migrate } from './repository/migrate.js';
import { SqlModuleVersionRepository } from './repository/module-version-repository.js';
import { PgDatabase } from './repository/pg-database.js';
import { PgliteDatabase } from './repository/pglite-database.js';
import type { SqlDatabase } from './repository/sql-database.js';
import { SqlOwnerRepository, type OwnerRepository } from './repository/owner-repository.js';
import { CachedModuleVersionRepository, CachedOwnerRepository } from './repository/cached-repositories.js';
import { listenForChanges, type ChangeListener } from './repository/change-listener.js';
import { ReadCache } from './repository/read-cache.js';
import type { ModuleVersionRepository } from './repository/module-version-repository.js';
import { AuthService } from './service/auth-service.js';
import { DeleteService } from './service/delete-service.js';
import { OwnerService } from './service/owner-service.js';
import { ModuleReadService } from './service/module-read-service.js';
import { PublishService } from './service/publish-service.js';
import path from 'node:path';
import { mkdir } from 'node:fs/promises';

export interface RunningRegistry {
  port: number;
  url: string;
  /** Where /metrics is served when METRICS_PORT is set. */
  metricsUrl: string | undefined;
  close(): Promise<void>;
}

export async function openDatabase(config: Config): Promise<SqlDatabase> {
  if (config.databaseUrl) return new PgDatabase(config.databaseUrl);
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
  const { repo, ownerRepo, changes } = await readPath(config, db, logger);
  const metrics = new RegistryMetrics({ poolStats: () => db.poolStats?.(), zipCache: () => blobs.contentCacheStats() });
  const link = options.worker ? joinCluster(metrics.registry) : undefined;
  const app = createApp({
    logger,
    metrics,
    exposition: config.metricsPort !== undefined ? undefined : (link?.exposition ?? metrics.registry),
    auth: new AuthService(ownerRepo, admin.value, (err) => logger.warn({ err }, 'could not record token use')),
    owners: new OwnerService(ownerRepo, blobs),
    publisher: new PublishService(repo, blobs, config.maxUploadBytes),
    reader: new ModuleReadService(repo, blobs),
    deleter: new DeleteService(repo, blobs),
    readiness: {
      database: async () => void (await db.query('SELECT 1')),
      blobStore: () => blobs.checkWritable(),
    },
  });
  const server = config.tls ? createTlsServer(config.tls, app.callback(), logger) : http.createServer(app.callback());
  // Uploads of hundreds of MiB over slow links must not be cut by the default 5 min request timeout.
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const metricsServer = config.metricsPort === undefined || link ? undefined : await listenMetrics(metrics.registry, config.metricsPort, config.host);
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const scheme = config.tls ? 'https' : 'http';
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const metricsPort = metricsServer && (metricsServer.address() as AddressInfo).port;
  if (link) {
    logger.info({ port, url }, 'worker listening');
    link.listening(port, url);
  } else {
    logger.info({ port, url, metricsPort }, 'listening');
  }
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
      await changes?.close();
      await db.close();
      await blobs.close();
    },
  };
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
): Promise<{ repo: ModuleVersionRepository; ownerRepo: OwnerRepository; changes?: ChangeListener }> {
  const repo = new SqlModuleVersionRepository(db);
  const ownerRepo = new SqlOwnerRepository(db);
  if (config.readCacheBytes === 0) return { repo, ownerRepo };
  const cache = new ReadCache({ maxBytes: config.readCacheBytes, enabled: !config.databaseUrl });
  let changes: ChangeListener | undefined;
  if (config.databaseUrl) {
    changes = listenForChanges(config.databaseUrl, cache, (err) => logger.warn({ err }, 'change notifications lost: read cache off until they are back'));
    await changes.start();
  }
  return { repo: new CachedModuleVersionRepository(repo, cache), ownerRepo: new CachedOwnerRepository(ownerRepo, cache), changes };
}
