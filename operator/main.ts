/**
 * The operator process: informers on GoPackageOwners and the operator's Secrets feed
 * a work queue; workers reconcile keys into the registry through its admin API. With
 * leader election on, only the Lease holder runs informers and workers.
 */
import { CoreV1Api, CustomObjectsApi, KubeConfig, type V1Secret } from '@kubernetes/client-node';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { GROUP, KIND, keyOf, MANAGED_BY, PLURAL, VERSION, type GoPackageOwner } from './api/gopackageowner.js';
import { loadOperatorConfig, reloadCaFiles, type OperatorConfig } from './config.js';
import { claimWaiters, waitsForClaim } from './controller/claim-waiters.js';
import { GoPackageOwnerReconciler } from './controller/gopackageowner-reconciler.js';
import { CaConfigMaps } from './controller/ca-config-map.js';
import { GeneratedSecrets } from './controller/generated-secrets.js';
import { ConflictError, KubeClient } from './controller/kube-client.js';
import { HttpRegistryAdminClient } from './registry/admin-client.js';
import { CachedKubeClient } from './runtime/cached-kube-client.js';
import { runWorkers } from './runtime/controller.js';
import { EchoFilter } from './runtime/echo-filter.js';
import { LeaderElector } from './runtime/leader-election.js';
import { OperatorMetrics } from './runtime/metrics.js';
import { defaultControllerRateLimiter } from './runtime/rate-limiter.js';
import { InformerGroup } from './runtime/informer-group.js';
import { poolKubeAgents } from './runtime/kube-agents.js';
import { ResilientInformer } from './runtime/resilient-informer.js';
import { WorkQueue } from './runtime/work-queue.js';

const SECRET_SELECTOR = `app.kubernetes.io/managed-by=${MANAGED_BY}`;

function informers(config: OperatorConfig, kc: KubeConfig, queue: WorkQueue<string>, log: pino.Logger) {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  // '' stands for every namespace: one cluster-wide informer instead of one per namespace.
  const namespaces = config.watchNamespaces.length > 0 ? config.watchNamespaces : [''];
  const waiting = new Map<string, GoPackageOwner>();
  // The watch events of the operator's own writes reconcile nothing (runtime/echo-filter.ts).
  const echoes = new EchoFilter();
  const resources = namespaces.map((ns) => new ResilientInformer<GoPackageOwner>({
    kc, log, name: ns ? `${PLURAL}/${ns}` : PLURAL, relistMs: config.resyncMs,
    path: ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}` : `/apis/${GROUP}/${VERSION}/${PLURAL}`,
    list: () => (ns ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL }) : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })),
    onChange: (o, verb) => {
      const key = keyOf(o.metadata!.namespace!, o.metadata!.name!);
      if (echoes.ownerEvent(key, o, verb)) queue.add(key);
      // The change may have released a prefix another resource waits for. The waiters are kept apart, so
      // an event costs a look at them, not at every cached resource (a deleted one is gone from the cache).
      const current = group.get(o.metadata!.namespace!, o.metadata!.name!);
      if (current && waitsForClaim(current)) waiting.set(key, current);
      else waiting.delete(key);
      for (const waiter of claimWaiters([...waiting.values()], o)) queue.add(waiter);
    },
  }));
  const group = new InformerGroup(resources);
  const secrets = namespaces.map((ns) => new ResilientInformer<V1Secret>({
    kc, log, name: ns ? `secrets/${ns}` : 'secrets', relistMs: config.resyncMs, labelSelector: SECRET_SELECTOR,
    path: ns ? `/api/v1/namespaces/${ns}/secrets` : '/api/v1/secrets',
    list: () => (ns ? core.listNamespacedSecret({ namespace: ns, labelSelector: SECRET_SELECTOR }) : core.listSecretForAllNamespaces({ labelSelector: SECRET_SELECTOR })),
    // A Secret event concerns the GoPackageOwner that controls it.
    onChange: (s, verb) => {
      const controllerRef = s.metadata?.ownerReferences?.find((r) => r.controller && r.kind === KIND);
      if (controllerRef && echoes.secretEvent(keyOf(s.metadata!.namespace!, s.metadata!.name!), verb)) queue.add(keyOf(s.metadata!.namespace!, controllerRef.name));
    },
  }));
  return { resources: group, secrets: new InformerGroup(secrets), echoes };
}

type Informers = ReturnType<typeof informers>;

function reconcilerFor(config: OperatorConfig, kc: KubeConfig, watched: Informers): GoPackageOwnerReconciler {
  // The CAs are read from config at each use: reloadCaFiles and the generated CA's renewal replace them.
  const registry = new HttpRegistryAdminClient(config.registryUrl, config.adminCredential, () => config.caPem, undefined, config.concurrency);
  // Asked once it answers (a registry without a checksum database answers undefined, kept too).
  let known: Promise<{ name: string; verifierKey: string } | undefined> | undefined;
  const checksumDatabase = () => (known ??= registry.getChecksumDatabase().catch((err: unknown) => ((known = undefined), Promise.reject(err))));
  const secrets = {
    publicUrl: config.publicUrl,
    get caPem() {
      return config.secretCaPem;
    },
    noSumDb: config.noSumDb,
    checksumDatabase,
  };
  // Reads from the informers' caches (read-your-writes kept), writes to the API server.
  const kube = new CachedKubeClient(kc, watched.resources, watched.secrets, watched.echoes);
  const caConfigMaps = config.caConfigMap ? new CaConfigMaps(kube, config.caConfigMap, () => config.secretCaPem) : undefined;
  return new GoPackageOwnerReconciler(kube, registry, secrets, () => new Date(), config.rotationGraceMs, caConfigMaps);
}

const RENEWAL_CHECK_MS = 60 * 60_000;
/** How often the CA files are read again (the kubelet takes up to a minute or so to update a mounted Secret). */
const CA_RELOAD_MS = 60_000;

/**
 * Reads REGISTRY_CA_FILE and SECRET_CA_FILE again every CA_RELOAD_MS: the admin client verifies
 * with a replaced CA from its next call, and a replaced ca.crt for token Secrets has every resource
 * reconciled (not only at the next resync), so Pods get the new CA in their Secrets.
 */
function reloadCas(config: OperatorConfig, queue: WorkQueue<string>, watched: Informers, log: pino.Logger): void {
  if (!config.caFiles.registry && !config.caFiles.secret) return;
  setInterval(() => {
    const changed = reloadCaFiles(config);
    if (changed.length === 0) return;
    log.info({ changed }, 'a CA file changed: the new CA is used from now on');
    if (changed.includes('secret')) for (const o of watched.resources.cached()) queue.add(keyOf(o.metadata!.namespace!, o.metadata!.name!));
  }, CA_RELOAD_MS).unref();
}

/**
 * The Secrets made at run time (generated-secrets.ts), before anything needs them: tried
 * until they exist, then checked for renewal every hour while this operator leads. With the
 * generated CA, the admin API is verified with it and token Secrets carry it.
 */
async function ensureGenerated(config: OperatorConfig, kc: KubeConfig, log: pino.Logger): Promise<void> {
  const { namespace, tls, passwordSecret } = config.generated;
  if (!tls && !passwordSecret) return;
  const generated = new GeneratedSecrets(new KubeClient(kc));
  // Token Secrets carry the generated CA unless SECRET_CA_FILE names another (or none): decided once, so a
  // CA replaced later reaches them too.
  const secretCaIsGenerated = config.secretCaPem === undefined && !config.secretCaDisabled;
  const ensure = async () => {
    if (passwordSecret) await generated.ensurePassword(namespace, passwordSecret);
    if (!tls) return;
    const caPem = await generated.ensureTls({ namespace, ...tls });
    config.caPem = caPem;
    if (secretCaIsGenerated) config.secretCaPem = caPem;
  };
  for (let delay = 500; ; delay = Math.min(delay * 2, 30_000)) {
    try {
      await ensure();
      break;
    } catch (err) {
      log.warn({ err: (err as Error).message, retryInMs: delay }, 'could not make the generated Secrets; retrying');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  log.info({ namespace, tlsSecret: tls?.tlsSecret, passwordSecret }, 'generated Secrets in place');
  setInterval(() => ensure().catch((err: Error) => log.warn({ err: err.message }, 'certificate renewal check failed; tried again in an hour')), RENEWAL_CHECK_MS).unref();
}

/** Starts the informers and the workers (on becoming leader, or at once); resolves the workers' end. */
async function startControllers(config: OperatorConfig, kc: KubeConfig, queue: WorkQueue<string>, watched: Informers, metrics: OperatorMetrics, log: pino.Logger) {
  await ensureGenerated(config, kc, log);
  const reconciler = reconcilerFor(config, kc, watched);
  metrics.leader.set({ name: 'go-registry-operator' }, 1);
  void watched.resources.start();
  void watched.secrets.start();
  const observer = metrics.controllerObserver((key, err) => {
    // Optimistic-concurrency conflicts are routine: retried, not reported.
    if (err instanceof ConflictError) log.debug({ key }, 'conflict; retrying');
    else log.warn({ key, err: (err as Error).message }, 'reconcile failed');
  });
  return runWorkers(queue, config.concurrency, (key) => reconciler.reconcile(key), observer);
}

async function main(): Promise<void> {
  const config = loadOperatorConfig();
  const log = pino({ level: config.logLevel, base: { service: 'go-registry-operator' } });
  const kc = new KubeConfig();
  kc.loadFromDefault();
  // Keep-alive connections, bounded: the reconciles in flight, the watches, leader election, and spare.
  const closeAgents = poolKubeAgents(kc, { maxSockets: config.concurrency * 2 + 8 });
  const metrics = new OperatorMetrics('gopackageowner');
  const queue = new WorkQueue<string>(defaultControllerRateLimiter(), metrics.queueObserver());
  metrics.watchQueue(queue);
  const watched = informers(config, kc, queue, log);
  reloadCas(config, queue, watched, log);
  metrics.leader.set({ name: 'go-registry-operator' }, 0);
  let workers: Promise<unknown> | undefined;
  const lead = () => void (workers = startControllers(config, kc, queue, watched, metrics, log));
  const elector = config.leaderElection
    ? new LeaderElector({ kc, log, namespace: config.leaseNamespace, name: 'go-registry-operator', identity: config.identity, onLeading: lead, onLost: () => process.exit(1) })
    : undefined;
  // The managed-resource gauges are counted when scraped, not on every reconcile (a pass over the cache each).
  const countManaged = () => {
    const cached = watched.resources.cached();
    metrics.managedOwners.set(cached.length);
    metrics.managedTokens.set(cached.reduce((n, o) => n + (o.spec?.tokens?.length ?? 0), 0));
  };
  const server = await serveHealth(config.metricsPort, metrics, () => !elector || !elector.isLeader || watched.resources.synced, countManaged);
  log.info({ metricsPort: (server.address() as AddressInfo).port, identity: config.identity, credential: config.credentialKind, leaderElection: config.leaderElection, namespaces: config.watchNamespaces.length ? config.watchNamespaces : 'all' }, 'operator started');
  if (elector) elector.start();
  else lead();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: draining reconciles');
    await Promise.all([watched.resources.stop(), watched.secrets.stop()]);
    await queue.shutDownWithDrain();
    await workers;
    await elector?.release();
    closeAgents();
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

function serveHealth(port: number, metrics: OperatorMetrics, ready: () => boolean, beforeScrape: () => void): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.url === '/metrics') {
      beforeScrape();
      metrics.registry.metrics().then((body) => {
        res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
        res.end(body);
      }, () => res.writeHead(500).end());
    } else if (req.url === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
    } else if (req.url === '/readyz') {
      const ok = ready();
      res.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain' }).end(ok ? 'ok\n' : 'informers not synced\n');
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}

main().catch((err: Error) => {
  process.stderr.write(`go-registry-operator failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
