/** Operator configuration from the environment, validated once at start. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { z } from 'zod';
import { parseGoDuration } from './api/gopackageowner.js';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const schema = z.object({
  REGISTRY_URL: z.url(),
  REGISTRY_PUBLIC_URL: z.url().optional(),
  REGISTRY_CA_FILE: z.string().min(1).optional(),
  // The CA written into token Secrets as ca.crt: a file, or `none` when clients reach the registry through a
  // publicly trusted certificate (an Ingress). Default: REGISTRY_CA_FILE's.
  SECRET_CA_FILE: z.string().min(1).optional(),
  REGISTRY_ADMIN_TOKEN: z.string().min(16).optional(),
  REGISTRY_ADMIN_TOKEN_FILE: z.string().min(1).optional(),
  // The operator's projected ServiceAccount token (audience go-registry), read again for each call:
  // with an admin grant for that ServiceAccount (ADMIN_SERVICE_ACCOUNTS) no admin token is needed.
  REGISTRY_SERVICE_ACCOUNT_TOKEN_FILE: z.string().min(1).optional(),
  // Comma-separated namespaces; empty: all.
  WATCH_NAMESPACE: z
    .string()
    .default('')
    .transform((v) => [...new Set(v.split(',').map((n) => n.trim()).filter(Boolean))])
    .refine((list) => list.every((n) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n) && n.length <= 63), 'must be namespace names separated by commas'),
  LEADER_ELECTION: bool.default(true),
  LEASE_NAMESPACE: z.string().min(1).optional(),
  POD_NAMESPACE: z.string().min(1).optional(),
  POD_NAME: z.string().min(1).optional(),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  MAX_CONCURRENT_RECONCILES: z.coerce.number().int().min(1).max(64).default(16),
  RESYNC_PERIOD: z.string().default('10m'),
  SECRET_GONOSUMDB: z.string().default('*'),
  // A ConfigMap of this name with the registry's CA (ca.crt) in every namespace with a GoPackageOwner.
  CA_CONFIGMAP: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a ConfigMap name').max(253).optional(),
  ROTATION_GRACE: z.string().default('1h'),
  LOG_LEVEL: z.string().default('info'),
  // The registry's own-CA TLS mode: the operator keeps the CA and the serving certificate (generated-secrets.ts).
  GENERATED_TLS_SECRET: z.string().min(1).optional(),
  GENERATED_CA_SECRET: z.string().min(1).optional(),
  GENERATED_TLS_DNS_NAMES: z.string().default('').transform((v) => v.split(',').map((n) => n.trim()).filter(Boolean)),
  GENERATED_TLS_CA_DAYS: z.coerce.number().int().min(1).default(3650),
  GENERATED_TLS_CERT_DAYS: z.coerce.number().int().min(3).default(90),
  GENERATED_PASSWORD_SECRET: z.string().min(1).optional(),
});

export interface OperatorConfig {
  registryUrl: string;
  publicUrl: string;
  /** The CA the admin API is verified with (REGISTRY_CA_FILE's, or the generated one); replaced when it changes. */
  caPem: string | undefined;
  /** ca.crt of token Secrets; replaced when it changes. */
  secretCaPem: string | undefined;
  /** The files caPem and secretCaPem were read from, read again by reloadCaFiles. */
  caFiles: { registry: string | undefined; secret: string | undefined };
  /** The credential for the admin API: the admin token, or the ServiceAccount token file's current content. */
  adminCredential: () => string;
  /** Which of the two (for the start log). */
  credentialKind: 'admin-token' | 'service-account-token';
  /** SECRET_CA_FILE=none: token Secrets carry no ca.crt (clients trust the registry's certificate already). */
  secretCaDisabled: boolean;
  /** Namespaces to watch; empty: all. */
  watchNamespaces: string[];
  leaderElection: boolean;
  leaseNamespace: string;
  identity: string;
  metricsPort: number;
  concurrency: number;
  resyncMs: number;
  noSumDb: string;
  /** CA_CONFIGMAP: where the CA is published in the resources' namespaces; undefined: nowhere. */
  caConfigMap: string | undefined;
  rotationGraceMs: number;
  logLevel: string;
  /** Secrets this operator makes at run time in its own namespace (the chart makes none at render time). */
  generated: GeneratedConfig;
}

export interface GeneratedConfig {
  namespace: string;
  tls: { caSecret: string; tlsSecret: string; dnsNames: string[]; caDays: number; certDays: number } | undefined;
  passwordSecret: string | undefined;
}

export function loadOperatorConfig(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new Error(`invalid configuration:\n  ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`);
  }
  const c = parsed.data;
  const { adminCredential, credentialKind } = credentialOf(c);
  if (c.GENERATED_TLS_SECRET && (!c.GENERATED_CA_SECRET || c.GENERATED_TLS_DNS_NAMES.length === 0)) {
    throw new Error('invalid configuration:\n  GENERATED_TLS_SECRET needs GENERATED_CA_SECRET and GENERATED_TLS_DNS_NAMES');
  }
  if (c.GENERATED_TLS_SECRET && c.REGISTRY_CA_FILE) {
    throw new Error('invalid configuration:\n  GENERATED_TLS_SECRET and REGISTRY_CA_FILE are exclusive: the generated CA is the registry\'s');
  }
  return {
    registryUrl: c.REGISTRY_URL,
    publicUrl: c.REGISTRY_PUBLIC_URL ?? c.REGISTRY_URL,
    caPem: c.REGISTRY_CA_FILE ? readFileSync(c.REGISTRY_CA_FILE, 'utf8') : undefined,
    secretCaPem: secretCa(c.SECRET_CA_FILE, c.REGISTRY_CA_FILE),
    caFiles: { registry: c.REGISTRY_CA_FILE, secret: secretCaFile(c.SECRET_CA_FILE, c.REGISTRY_CA_FILE) },
    adminCredential,
    credentialKind,
    secretCaDisabled: c.SECRET_CA_FILE === 'none',
    watchNamespaces: c.WATCH_NAMESPACE,
    leaderElection: c.LEADER_ELECTION,
    leaseNamespace: c.LEASE_NAMESPACE ?? c.POD_NAMESPACE ?? (c.WATCH_NAMESPACE[0] ?? 'default'),
    identity: c.POD_NAME ?? `${os.hostname()}-${process.pid}`,
    metricsPort: c.METRICS_PORT,
    concurrency: c.MAX_CONCURRENT_RECONCILES,
    resyncMs: parseGoDuration(c.RESYNC_PERIOD),
    noSumDb: c.SECRET_GONOSUMDB,
    caConfigMap: c.CA_CONFIGMAP,
    rotationGraceMs: parseGoDuration(c.ROTATION_GRACE),
    logLevel: c.LOG_LEVEL,
    generated: {
      namespace: c.POD_NAMESPACE ?? c.LEASE_NAMESPACE ?? 'default',
      tls: c.GENERATED_TLS_SECRET
        ? { caSecret: c.GENERATED_CA_SECRET!, tlsSecret: c.GENERATED_TLS_SECRET, dnsNames: c.GENERATED_TLS_DNS_NAMES, caDays: c.GENERATED_TLS_CA_DAYS, certDays: c.GENERATED_TLS_CERT_DAYS }
        : undefined,
      passwordSecret: c.GENERATED_PASSWORD_SECRET,
    },
  };
}

function credentialOf(c: z.infer<typeof schema>): Pick<OperatorConfig, 'adminCredential' | 'credentialKind'> {
  const saFile = c.REGISTRY_SERVICE_ACCOUNT_TOKEN_FILE;
  if (saFile) {
    if (c.REGISTRY_ADMIN_TOKEN || c.REGISTRY_ADMIN_TOKEN_FILE) {
      throw new Error('invalid configuration:\n  REGISTRY_SERVICE_ACCOUNT_TOKEN_FILE and an admin token: set one');
    }
    readFileSync(saFile, 'utf8'); // there at start, or refuse to start
    return { adminCredential: () => readFileSync(saFile, 'utf8').trim(), credentialKind: 'service-account-token' };
  }
  const adminToken = c.REGISTRY_ADMIN_TOKEN ?? (c.REGISTRY_ADMIN_TOKEN_FILE && readFileSync(c.REGISTRY_ADMIN_TOKEN_FILE, 'utf8').trim());
  if (!adminToken) throw new Error('invalid configuration:\n  set REGISTRY_SERVICE_ACCOUNT_TOKEN_FILE, REGISTRY_ADMIN_TOKEN or REGISTRY_ADMIN_TOKEN_FILE');
  return { adminCredential: () => adminToken, credentialKind: 'admin-token' };
}

function secretCaFile(secretCaFile: string | undefined, registryCaFile: string | undefined): string | undefined {
  return secretCaFile === 'none' ? undefined : (secretCaFile ?? registryCaFile);
}

function secretCa(secretCa: string | undefined, registryCaFile: string | undefined): string | undefined {
  const file = secretCaFile(secretCa, registryCaFile);
  return file ? readFileSync(file, 'utf8') : undefined;
}

/**
 * Reads the CA files again (the kubelet updates a mounted Secret in place when cert-manager or an
 * admin replaces the CA) and sets what changed; returns which. A file that cannot be read now
 * keeps the last CA read.
 */
export function reloadCaFiles(config: OperatorConfig): ('registry' | 'secret')[] {
  const changed: ('registry' | 'secret')[] = [];
  const read = (file: string | undefined) => {
    try {
      return file ? readFileSync(file, 'utf8') : undefined;
    } catch {
      return undefined;
    }
  };
  const registry = read(config.caFiles.registry);
  if (registry !== undefined && registry !== config.caPem) {
    config.caPem = registry;
    changed.push('registry');
  }
  const secret = read(config.caFiles.secret);
  if (secret !== undefined && secret !== config.secretCaPem) {
    config.secretCaPem = secret;
    changed.push('secret');
  }
  return changed;
}
