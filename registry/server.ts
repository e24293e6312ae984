/**
 * Wires adapters, services and the HTTP app for one configuration, and starts
 * listening. main.ts calls it for the process; tests call it in-process.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore } from './blob/blob-store.js';
import type { ContentCacheStats } from './blob/content-cache.js';
import { FsBlobStore } from './blob/fs-blob-store.js';
import { S3BlobStore } from './blob/s3-blob-store.js';
import { adminTokenFor } from './config/admin-token.js';
import type { Config } from './config/config.js';
import { createApp, type AppDeps } from './http/app.js';
import { leanGoproxy } from './http/lean-goproxy.js';
import { answerClientErrors } from './http/client-errors.js';
import { listenMetrics } from './http/metrics-server.js';
import { joinCluster } from './cluster/worker-link.js';
import { RegistryMetrics } from './metrics.js';
import { createTlsServer } from './http/tls-server.js';
import type { Logger } from './logger.js';
import { migrate } from './repository/sql/migrate.js';
import type { ModuleVersionRepository } from './repository/module-version-repository.js';
import { SqlModuleVersionRepository } from './repository/sql/sql-module-version-repository.js';
import { PgDatabase } from './repository/sql/pg-database.js';
import { PgliteDatabase } from './repository/sql/pglite-database.js';
import type { SqlDatabase } from './repository/sql/sql-database.js';
import type { OwnerRepository } from './repository/owner-repository.js';
import { SqlOwnerRepository } from './repository/sql/sql-owner-repository.js';
import { CachedGrantRepository, CachedModuleVersionRepository, CachedOwnerRepository } from './repository/cached-repositories.js';
import type { GrantRepository } from './repository/grant-repository.js';
import { SqlGrantRepository } from './repository/sql/sql-grant-repository.js';
import { OidcIdentityVerifier } from './identity/identity-verifier.js';
import { GrantService } from './service/grant-service.js';
import { listenForChanges, type ChangeListener } from './repository/sql/change-listener.js';
import { changeSinks, ReadCache, type ChangeSink } from './repository/read-cache.js';
import { AuthService } from './service/auth-service.js';
import { BlobCollector } from './service/blob-collector.js';
import { BlobSweeper, scheduleSweeps, type SweepSchedule } from './service/blob-sweeper.js';
import { DeleteService } from './service/delete-service.js';
import { GoproxyService } from './service/goproxy-service.js';
import { OwnerService } from './service/owner-service.js';
import { ModuleReadService } from './service/module-read-service.js';
import { PublishService } from './service/publish-service.js';
import { PullThroughCache } from './service/pull-through-cache.js';
import { CacheAdminService } from './service/cache-admin-service.js';
import { ChecksumLog } from './service/checksum-log.js';
import { SumdbServer } from './service/sumdb-server.js';
import { SqlChecksumLogRepository } from './repository/sql/sql-checksum-log.js';
import { resolveSumdbKey } from './config/sumdb-key.js';
import { ServedHeadFile } from './config/served-head-file.js';
import { SumdbProxy } from './service/sumdb-proxy.js';
import { SingleFlight } from './service/single-flight.js';
import { SqlCacheRepository } from './repository/sql/sql-cache-repository.js';
import { HttpUpstream } from './upstream/http-upstream.js';
import { HttpChecksumDatabase } from './upstream/http-checksum-database.js';
import { MAX_ZIP_FILE } from './upload/module-zip-check.js';
import { SqlCatalogRepository } from './repository/sql/sql-catalog-repository.js';
import { SqlSessionRepository } from './repository/sql/sql-session-repository.js';
import { UiCatalogService } from './service/ui-catalog-service.js';
import { UiModuleService } from './service/ui-module-service.js';
import { UiSessionService } from './service/ui-session-service.js';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';

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

/** A blob store with the figures /metrics shows. */
export type ServedBlobStore = BlobStore & { contentCacheStats(): ContentCacheStats | undefined };

/** The one switch between blob stores (BLOB_STORE): a folder, or an S3-compatible bucket. */
export function openBlobStore(config: Config, options: { contentCache?: boolean } = {}): Promise<ServedBlobStore> {
  const contentCacheBytes = options.contentCache ? config.zipCacheBytes : 0;
  const store = config.blobStore;
  if (store.kind === 's3') return S3BlobStore.open(store, config.storageDir, { contentCacheBytes });
  return FsBlobStore.open(config.storageDir, { contentCacheBytes });
}

export interface StartOptions {
  /**
   * One of several worker processes (WORKERS > 1): the primary has run the migrations,
   * serves METRICS_PORT and aggregates /metrics; this process tells it when it listens.
   */
  worker?: boolean;
}

export async function startRegistry(config: Config, logger: Logger, options: StartOptions = {}): Promise<RunningRegistry> {
  // With admin ServiceAccounts (the chart's operator) and no REGISTRY_ADMIN_TOKEN there is no admin token at all.
  const admin = await adminTokenFor(config);
  if (admin?.file && !options.worker) logger.info({ file: admin.file, generated: admin.generated }, 'admin token is kept in this file (mode 0600)');
  if (!admin && !options.worker) logger.info({ adminServiceAccounts: config.identity.adminServiceAccounts.map((a) => `${a.namespace}/${a.name}`) }, 'no admin token: the admin is these ServiceAccounts');
  const db = await openDatabase(config);
  let log: ChecksumLog;
  try {
    if (!options.worker) logger.info({ database: db.kind, applied: await migrate(db) }, 'database ready');
    log = await openChecksumLog(config, db, logger, !options.worker);
  } catch (err) {
    // A refused start leaves nothing open (a test or a supervisor may try again in this process).
    await db.close().catch(() => {});
    throw err;
  }
  let blobs: ServedBlobStore;
  try {
    blobs = await openBlobStore(config, { contentCache: true });
    const b = config.blobStore;
    if (!options.worker) logger.info(b.kind === 's3' ? { blobStore: 's3', bucket: b.bucket, prefix: b.prefix, endpoint: b.endpoint } : { blobStore: 'fs', dir: config.storageDir }, 'blob store ready');
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  const metrics = new RegistryMetrics({ poolStats: () => db.poolStats?.(), zipCache: () => blobs.contentCacheStats() });
  const { repo, ownerRepo, grantRepo, readCache } = readPath(config, db);
  const verifier = config.identity.issuers.length > 0 ? new OidcIdentityVerifier(config.identity.issuers) : undefined;
  const link = options.worker ? joinCluster(metrics.registry) : undefined;
  const collector = new BlobCollector(repo, blobs);
  const { cache, sumdb } = pullThrough(config, db, blobs, collector, log, metrics, logger);
  const changes = await listenToOthers(config, [...(readCache ? [readCache] : []), cache], logger, metrics);
  const core = services({ config, logger, repo, ownerRepo, grantRepo, verifier, blobs, collector, log, adminToken: admin?.value });
  const catalog = new SqlCatalogRepository(db);
  const deps: AppDeps = {
    logger,
    metrics,
    exposition: config.metricsPort !== undefined ? undefined : (link?.exposition ?? metrics.registry),
    ...core,
    checksumLog: log,
    sumdbServer: new SumdbServer(log, core.auth, ownerRepo, cache),
    cache,
    cacheAdmin: new CacheAdminService(cache, ownerRepo),
    sumdb: new SumdbProxy(sumdb, ownerRepo),
    ui: {
      catalog: new UiCatalogService(core.auth, catalog),
      modules: new UiModuleService(core.auth, repo, catalog, blobs),
      sessions: new UiSessionService(core.auth, new SqlSessionRepository(db), config.uiSessionMs),
    },
    readiness: {
      database: async () => void (await db.query('SELECT 1')),
      blobStore: () => blobs.checkWritable(),
    },
  };
  const app = createApp(deps);
  const sweeps = startSweeps(config, new BlobSweeper(repo, blobs, collector, config.sweepGraceMs), logger, metrics);
  const server = await listen(config, config.leanGoproxy ? leanGoproxy(deps, app.callback()) : app.callback(), logger);
  const metricsServer = config.metricsPort === undefined || link ? undefined : await listenMetrics(metrics.registry, config.metricsPort, config.host);
  const { port, host, url } = addressOf(config, server);
  const metricsPort = metricsServer && (metricsServer.address() as AddressInfo).port;
  // Written out before the primary is told (the log is otherwise written at the end of the turn, which the
  // primary's own line could beat), so its 'listening' line comes after every worker's.
  logger.info({ port, url, metricsPort }, link ? 'worker listening' : 'listening');
  logger.flush();
  link?.listening(port, url);
  return {
    port,
    url,
    metricsUrl: metricsPort === undefined ? undefined : `http://${host}:${metricsPort}/metrics`,
    close: async () => {
      await closeServer(server);
      metricsServer?.close();
      await sweeps.stop();
      await changes?.close();
      await verifier?.close();
      await db.close();
      await blobs.close();
    },
  };
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

interface ServiceDeps {
  config: Config;
  logger: Logger;
  repo: ModuleVersionRepository;
  ownerRepo: OwnerRepository;
  grantRepo: GrantRepository;
  verifier: OidcIdentityVerifier | undefined;
  blobs: ServedBlobStore;
  collector: BlobCollector;
  log: ChecksumLog;
  adminToken: string | undefined;
}

function services({ config, logger, repo, ownerRepo, grantRepo, verifier, blobs, collector, log, adminToken }: ServiceDeps) {
  const cleanupFailed = (err: unknown) => logger.warn({ err }, 'files of a delete are left for the sweeper');
  const identity = verifier && { verifier, grants: grantRepo, adminServiceAccounts: config.identity.adminServiceAccounts };
  const auth = new AuthService(ownerRepo, adminToken, (err) => logger.warn({ err }, 'could not record token use'), identity);
  const issuers = config.identity.issuers;
  return {
    auth,
    goproxy: new GoproxyService(auth, ownerRepo),
    owners: new OwnerService(ownerRepo, collector, cleanupFailed),
    grants: new GrantService(grantRepo, ownerRepo, { issuers: issuers.map((i) => i.issuer), kubernetes: issuers.some((i) => i.kind === 'kubernetes') }),
    publisher: new PublishService(repo, blobs, config.maxUploadBytes, log),
    reader: new ModuleReadService(repo, blobs),
    deleter: new DeleteService(repo, collector, cleanupFailed),
  };
}

/**
 * The registry's checksum database. The process that migrates (the only one, or the
 * primary of WORKERS) also opens it: signs the empty tree once, checks the stored log
 * against the newest head this key signed (refusing to start otherwise), and logs
 * versions stored before the log existed.
 */
export async function openChecksumLog(config: Config, db: SqlDatabase, logger: Logger, open: boolean): Promise<ChecksumLog> {
  const key = await resolveSumdbKey({ key: config.sumdb.signingKey, keyFile: config.sumdb.signingKeyFile, name: config.sumdb.name, dataDir: config.dataDir });
  const log = new ChecksumLog(key.signer, key.verifierKey, new SqlChecksumLogRepository(db), new ServedHeadFile(config.dataDir));
  if (open) {
    const { size, backfilled } = await log.open();
    logger.info({ name: log.name, verifierKey: key.verifierKey, keyFile: key.file, generated: key.generated, size, backfilled }, 'checksum database ready');
  }
  return log;
}

/** The pull-through cache over the configured upstream proxies and checksum database. */
function pullThrough(config: Config, db: SqlDatabase, blobs: ServedBlobStore, collector: BlobCollector, log: ChecksumLog, metrics: RegistryMetrics, logger: Logger) {
  const u = config.upstream;
  const repo = new SqlCacheRepository(db);
  metrics.setCacheStats(() => repo.stats());
  const upstream = new HttpUpstream(u.goproxy, {
    connectTimeoutMs: u.connectTimeoutMs,
    timeoutMs: u.timeoutMs,
    authorization: u.authorization,
    maxZipBytes: MAX_ZIP_FILE,
    observe: (outcome, seconds, bytes) => {
      metrics.upstreamRequests.inc({ outcome });
      metrics.upstreamDuration.observe(seconds);
      metrics.upstreamBytes.inc(bytes);
    },
  });
  const flights = new SingleFlight(repo, { holder: `${hostname()}-${process.pid}-${randomUUID()}`, leaseMs: 15_000, pollMs: 200, waitMs: 10 * 60_000 });
  const sumdb = u.sumdb && new HttpChecksumDatabase(u.sumdb, u.goproxy, repo, { connectTimeoutMs: u.connectTimeoutMs, timeoutMs: u.timeoutMs, proxyAuthorization: u.authorization });
  const cache = new PullThroughCache(repo, upstream, sumdb, blobs, collector, flights, log, {
    listTtlMs: u.listTtlMs, notFoundTtlMs: u.notFoundTtlMs, noSumdb: u.noSumdb, offline: u.goproxy.length === 0, shared: config.databaseUrl !== undefined,
  }, {
    served: (kind, result) => metrics.cacheRequests.inc({ kind, result }),
    refused: (modulePath, version, reason) => {
      metrics.cacheRefusals.inc();
      logger.warn({ modulePath, version, reason }, 'upstream file refused');
    },
  });
  return { cache, sumdb };
}

/** The port it listens on and the URL to log and return (loopback for a wildcard address). */
function addressOf(config: Config, server: http.Server): { port: number; host: string; url: string } {
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return { port, host, url: `${config.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}` };
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
 * change notifications from other replicas are being received (listenToOthers).
 */
function readPath(
  config: Config,
  db: SqlDatabase,
): { repo: ModuleVersionRepository; ownerRepo: OwnerRepository; grantRepo: GrantRepository; readCache?: ReadCache } {
  const repo = new SqlModuleVersionRepository(db);
  const ownerRepo = new SqlOwnerRepository(db);
  const grantRepo = new SqlGrantRepository(db);
  if (config.readCacheBytes === 0) return { repo, ownerRepo, grantRepo };
  const cache = new ReadCache({
    maxBytes: config.readCacheBytes,
    enabled: !config.databaseUrl,
    loadDirectory: async () => ({ owners: await ownerRepo.listOwners(), tokens: await ownerRepo.listTokenRecords(), grants: await grantRepo.listGrants() }),
  });
  return {
    repo: new CachedModuleVersionRepository(repo, cache),
    ownerRepo: new CachedOwnerRepository(ownerRepo, cache),
    grantRepo: new CachedGrantRepository(grantRepo, cache),
    readCache: cache,
  };
}

/**
 * On PostgreSQL, the change notifications of every other replica and worker, told to what
 * this process keeps in memory (the read cache, the pull-through cache's complete versions);
 * each is used only while they are heard. PGlite is one process: nothing to hear.
 */
async function listenToOthers(config: Config, sinks: ChangeSink[], logger: Logger, metrics: RegistryMetrics): Promise<ChangeListener | undefined> {
  if (!config.databaseUrl) return undefined;
  const changes = listenForChanges(config.databaseUrl, changeSinks(sinks), {
    heartbeatMs: config.changesHeartbeatMs,
    onError: (err) => logger.warn({ err }, 'change notifications lost: in-memory caches off until they are back'),
    onState: (listening) => {
      metrics.changeListener.set(listening ? 1 : 0);
      if (listening) logger.info('change notifications received: in-memory caches on');
    },
  });
  await changes.start();
  return changes;
}
