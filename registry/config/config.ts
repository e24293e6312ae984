/** Environment configuration, parsed and validated once at boot. */
import path from 'node:path';
import { z } from 'zod';
import { parseGoproxyList, type GoproxyEntry } from '../domain/goproxy-list.js';
import { parseGosumdb, type ChecksumDatabaseSpec } from '../domain/sumdb/gosumdb.js';
import { parseIdentityConfig, type IdentityConfig } from './oidc-issuers.js';

const MiB = 1024 * 1024;

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  STORAGE_DIR: z.string().min(1).optional(),
  BLOB_STORE: z.enum(['fs', 's3']).default('fs'),
  S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name: 3-63 lowercase letters, digits, "." and "-"').optional(),
  S3_PREFIX: z.string().regex(/^[^\\]*$/, 'a key prefix without backslashes').default(''),
  S3_REGION: z.string().regex(/^[a-z0-9-]+$/, 'a region name such as eu-west-1').optional(),
  S3_ENDPOINT: z.string().url('an http:// or https:// URL').regex(/^https?:\/\//, 'an http:// or https:// URL').optional(),
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('false'),
  S3_REDIRECT: z.enum(['true', 'false']).default('false'),
  S3_REDIRECT_EXPIRES_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  REGISTRY_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  OIDC_ISSUERS: z.string().optional(),
  ADMIN_SERVICE_ACCOUNTS: z.string().optional(),
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(500 * MiB),
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  READ_CACHE_MB: z.coerce.number().min(0).default(64),
  ZIP_CACHE_MB: z.coerce.number().min(0).default(64),
  LEAN_GOPROXY: z.enum(['true', 'false']).default('true'),
  UI_SESSION_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(60),
  WORKERS: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(256)]).default(1),
  DATABASE_CONNECT_TIMEOUT_SECONDS: z.coerce.number().positive().default(5),
  DATABASE_QUERY_TIMEOUT_SECONDS: z.coerce.number().positive().default(30),
  CHANGES_HEARTBEAT_SECONDS: z.coerce.number().positive().default(10),
  SWEEP_INTERVAL_SECONDS: z.coerce.number().min(0).default(3600),
  SWEEP_GRACE_SECONDS: z.coerce.number().min(0).default(3600),
  UPSTREAM_GOPROXY: z.string().min(1).default('https://proxy.golang.org'),
  UPSTREAM_SUMDB: z.string().min(1).default('sum.golang.org'),
  UPSTREAM_NOSUMDB: z.string().default(''),
  UPSTREAM_USERNAME: z.string().min(1).optional(),
  UPSTREAM_PASSWORD: z.string().min(1).optional(),
  UPSTREAM_TOKEN: z.string().min(1).optional(),
  UPSTREAM_CONNECT_TIMEOUT_SECONDS: z.coerce.number().positive().default(5),
  UPSTREAM_TIMEOUT_SECONDS: z.coerce.number().positive().default(30),
  UPSTREAM_LIST_TTL_SECONDS: z.coerce.number().min(0).default(60),
  UPSTREAM_NOT_FOUND_TTL_SECONDS: z.coerce.number().min(0).default(300),
  SUMDB_NAME: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'a checksum database name: letters, digits, ".", "_" and "-"').default('go-registry'),
  SUMDB_SIGNING_KEY: z.string().min(1).optional(),
  SUMDB_SIGNING_KEY_FILE: z.string().min(1).optional(),
  PG_DUMP: z.string().min(1).default('pg_dump'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** Uploads in flight (tmp/) and, with the filesystem blob store, the blobs. */
  storageDir: string;
  /** Where module zips are kept: STORAGE_DIR, or an S3-compatible bucket. */
  blobStore: { kind: 'fs' } | ({ kind: 's3' } & S3Config);
  adminToken: string | undefined;
  /** OIDC issuers whose JWTs are credentials, and the ServiceAccounts that are the admin. */
  identity: IdentityConfig;
  maxUploadBytes: number;
  logLevel: string;
  /** HTTPS when both are set; reloaded when the files change. */
  tls: { certFile: string; keyFile: string } | undefined;
  /** Serve /metrics on this port instead of the main one. */
  metricsPort: number | undefined;
  /** Bytes of owners, tokens and versions kept in memory for the read path; 0: none. */
  readCacheBytes: number;
  /** Bytes of whole small zips (up to 1 MiB each) kept in memory for downloads; 0: none. */
  zipCacheBytes: number;
  /** How long a web UI sign-in lasts. */
  uiSessionMs: number;
  /** Warm GOPROXY metadata hits answered in front of Koa (http/lean-goproxy.ts); false: Koa answers everything. */
  leanGoproxy: boolean;
  /** Processes serving requests (node:cluster), or `auto`: one per CPU the container may use. PostgreSQL only. */
  workers: number | 'auto';
  /** Deadlines of PostgreSQL connections and queries: past them a request is a 503, not a hang. */
  databaseConnectTimeoutMs: number;
  databaseQueryTimeoutMs: number;
  /** How often the change-notification connection proves it is alive; a missed answer turns the read cache off. */
  changesHeartbeatMs: number;
  /** The sweeper of unreferenced blobs and stale temp files: runs at start and then this often (0: at start only). */
  sweepIntervalMs: number;
  /** Blobs and temp files younger than this are never swept (uploads in flight on any replica). */
  sweepGraceMs: number;
  upstream: UpstreamConfig;
  /** The registry's own checksum database: its name and signing key (generated into DATA_DIR when neither is given). */
  sumdb: { name: string; signingKey: string | undefined; signingKeyFile: string | undefined };
  /** The pg_dump program the backup command runs. */
  pgDump: string;
}

/** An S3-compatible bucket; credentials come from the AWS SDK's default chain. */
export interface S3Config {
  bucket: string;
  /** Prepended to every key: '' or a folder ending in '/'. */
  prefix: string;
  /** undefined: the SDK's default chain (AWS_REGION, the profile, instance metadata). */
  region: string | undefined;
  /** undefined: AWS; otherwise the server's URL (MinIO, versitygw, Ceph, …). */
  endpoint: string | undefined;
  forcePathStyle: boolean;
  /** Zip downloads answered with a 307 to a presigned URL valid this long; undefined: streamed through the registry. */
  redirectSeconds: number | undefined;
}

/** The pull-through cache's upstream proxies and checksum database. */
export interface UpstreamConfig {
  /** Proxies in go's GOPROXY syntax; [] for `off` (air-gapped: the cache answers alone). */
  goproxy: GoproxyEntry[];
  /** From GOSUMDB syntax (`name`, `name+hash+key`, optionally followed by a URL); undefined for `off`. */
  sumdb: ChecksumDatabaseSpec | undefined;
  /** Module path patterns the checksum database is not asked about (GONOSUMDB syntax). */
  noSumdb: string[];
  /** Authorization header for the upstream proxies, from UPSTREAM_TOKEN or UPSTREAM_USERNAME/UPSTREAM_PASSWORD. */
  authorization: string | undefined;
  connectTimeoutMs: number;
  /** Deadline for an upstream answer's headers and for any pause in its body. */
  timeoutMs: number;
  listTtlMs: number;
  notFoundTtlMs: number;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty variables mean "unset", as in most container tooling.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const c = parsed.data;
  if (Boolean(c.TLS_CERT_FILE) !== Boolean(c.TLS_KEY_FILE)) {
    throw new ConfigError('invalid configuration:\n  TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  }
  if (c.SUMDB_SIGNING_KEY && c.SUMDB_SIGNING_KEY_FILE) {
    throw new ConfigError('invalid configuration:\n  SUMDB_SIGNING_KEY and SUMDB_SIGNING_KEY_FILE: set one');
  }
  if (typeof c.WORKERS === 'number' && c.WORKERS > 1 && !c.DATABASE_URL) {
    throw new ConfigError(
      `invalid configuration:\n  WORKERS=${c.WORKERS} needs DATABASE_URL: the embedded database (PGlite) lives in one process; use WORKERS=1 or PostgreSQL`,
    );
  }
  const identity = parseIdentityConfig(c.OIDC_ISSUERS, c.ADMIN_SERVICE_ACCOUNTS);
  if (typeof identity === 'string') throw new ConfigError(`invalid configuration:\n  ${identity}`);
  const dataDir = path.resolve(c.DATA_DIR);
  const blobStore = blobStoreConfig(c);
  return {
    port: c.PORT,
    host: c.HOST,
    dataDir,
    databaseUrl: c.DATABASE_URL,
    storageDir: path.resolve(c.STORAGE_DIR ?? path.join(dataDir, 'storage')),
    blobStore,
    adminToken: c.REGISTRY_ADMIN_TOKEN,
    identity,
    maxUploadBytes: c.MAX_UPLOAD_BYTES,
    logLevel: c.LOG_LEVEL,
    tls: c.TLS_CERT_FILE && c.TLS_KEY_FILE ? { certFile: path.resolve(c.TLS_CERT_FILE), keyFile: path.resolve(c.TLS_KEY_FILE) } : undefined,
    metricsPort: c.METRICS_PORT,
    readCacheBytes: Math.floor(c.READ_CACHE_MB * MiB),
    zipCacheBytes: Math.floor(c.ZIP_CACHE_MB * MiB),
    uiSessionMs: c.UI_SESSION_MINUTES * 60_000,
    leanGoproxy: c.LEAN_GOPROXY === 'true',
    workers: c.WORKERS,
    databaseConnectTimeoutMs: c.DATABASE_CONNECT_TIMEOUT_SECONDS * 1000,
    databaseQueryTimeoutMs: c.DATABASE_QUERY_TIMEOUT_SECONDS * 1000,
    changesHeartbeatMs: c.CHANGES_HEARTBEAT_SECONDS * 1000,
    sweepIntervalMs: c.SWEEP_INTERVAL_SECONDS * 1000,
    sweepGraceMs: c.SWEEP_GRACE_SECONDS * 1000,
    upstream: upstreamConfig(c),
    sumdb: { name: c.SUMDB_NAME, signingKey: c.SUMDB_SIGNING_KEY, signingKeyFile: c.SUMDB_SIGNING_KEY_FILE && path.resolve(c.SUMDB_SIGNING_KEY_FILE) },
    pgDump: c.PG_DUMP,
  };
}

function blobStoreConfig(c: z.infer<typeof schema>): Config['blobStore'] {
  if (c.BLOB_STORE === 'fs') {
    const s3: string[] = (['S3_BUCKET', 'S3_REGION', 'S3_ENDPOINT'] as const).filter((name) => c[name] !== undefined);
    if (c.S3_REDIRECT === 'true') s3.push('S3_REDIRECT');
    if (s3.length > 0) throw new ConfigError(`invalid configuration:\n  ${s3.join(', ')} set, but BLOB_STORE is fs: set BLOB_STORE=s3 to keep zips in the bucket`);
    return { kind: 'fs' };
  }
  if (!c.S3_BUCKET) throw new ConfigError('invalid configuration:\n  S3_BUCKET: needed with BLOB_STORE=s3');
  const prefix = c.S3_PREFIX.replace(/^\/+|\/+$/g, '');
  return {
    kind: 's3',
    bucket: c.S3_BUCKET,
    prefix: prefix === '' ? '' : `${prefix}/`,
    region: c.S3_REGION,
    endpoint: c.S3_ENDPOINT,
    forcePathStyle: c.S3_FORCE_PATH_STYLE === 'true',
    redirectSeconds: c.S3_REDIRECT === 'true' ? c.S3_REDIRECT_EXPIRES_SECONDS : undefined,
  };
}

function upstreamConfig(c: z.infer<typeof schema>): UpstreamConfig {
  let goproxy: GoproxyEntry[];
  try {
    goproxy = parseGoproxyList(c.UPSTREAM_GOPROXY);
  } catch (err) {
    throw new ConfigError(`invalid configuration:\n  UPSTREAM_GOPROXY: ${(err as Error).message}`);
  }
  if (c.UPSTREAM_TOKEN && c.UPSTREAM_USERNAME) {
    throw new ConfigError('invalid configuration:\n  UPSTREAM_TOKEN and UPSTREAM_USERNAME: set one (a Bearer token, or Basic credentials)');
  }
  if (Boolean(c.UPSTREAM_USERNAME) !== Boolean(c.UPSTREAM_PASSWORD)) {
    throw new ConfigError('invalid configuration:\n  UPSTREAM_USERNAME and UPSTREAM_PASSWORD must be set together');
  }
  let sumdb: ChecksumDatabaseSpec | undefined;
  try {
    sumdb = c.UPSTREAM_SUMDB.trim() === 'off' ? undefined : parseGosumdb(c.UPSTREAM_SUMDB);
  } catch (err) {
    throw new ConfigError(`invalid configuration:\n  UPSTREAM_SUMDB: ${(err as Error).message}`);
  }
  const basic = c.UPSTREAM_USERNAME && `Basic ${Buffer.from(`${c.UPSTREAM_USERNAME}:${c.UPSTREAM_PASSWORD}`).toString('base64')}`;
  return {
    goproxy,
    sumdb,
    noSumdb: c.UPSTREAM_NOSUMDB.split(',').map((p) => p.trim()).filter(Boolean),
    authorization: c.UPSTREAM_TOKEN ? `Bearer ${c.UPSTREAM_TOKEN}` : basic || undefined,
    connectTimeoutMs: c.UPSTREAM_CONNECT_TIMEOUT_SECONDS * 1000,
    timeoutMs: c.UPSTREAM_TIMEOUT_SECONDS * 1000,
    listTtlMs: c.UPSTREAM_LIST_TTL_SECONDS * 1000,
    notFoundTtlMs: c.UPSTREAM_NOT_FOUND_TTL_SECONDS * 1000,
  };
}
