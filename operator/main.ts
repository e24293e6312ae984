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
import { loadOperatorConfig, type OperatorConfig } from './config.js';
import { claimWaiters } from './controller/claim-waiters.js';
import { GoPackageOwnerReconciler } from './controller/gopackageowner-reconciler.js';
import { GeneratedSecrets } from './controller/generated-secrets.js';
import { ConflictError, KubeClient } from './controller/kube-client.js';
import { HttpRegistryAdminClient } from './registry/admin-client.js';
import { runWorkers } from './runtime/controller.js';
import { LeaderElector } from './runtime/leader-election.js';
import { OperatorMetrics } from './runtime/metrics.js';
import { defaultControllerRateLimiter } from './runtime/rate-limiter.js';
import { InformerGroup } from './runtime/informer-group.js';
import { ResilientInformer } from './runtime/resilient-informer.js';
import { WorkQueue } from './runtime/work-queue.js';

const SECRET_SELECTOR = `app.kubernetes.io/managed-by=${MANAGED_BY}`;

function informers(config: OperatorConfig, kc: KubeConfig, queue: WorkQueue<string>, log: pino.Logger) {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  // '' stands for every namespace: one cluster-wide informer instead of one per namespace.
  const namespaces = config.watchNamespaces.length > 0 ? config.watchNamespaces : [''];
  const resources = namespaces.map((ns) => new ResilientInformer<GoPackageOwner>({
    kc, log, name: ns ? `${PLURAL}/${ns}` : PLURAL, relistMs: config.resyncMs,
    path: ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}` : `/apis/${GROUP}/${VERSION}/${PLURAL}`,
    list: () => (ns ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL }) : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })),
    onChange: (o) => {
      queue.add(keyOf(o.metadata!.namespace!, o.metadata!.name!));
      // The change may have released a prefix another resource waits for.
      for (const key of claimWaiters(group.cached(), o)) queue.add(key);
    },
  }));
  const group = new InformerGroup(resources);
  const secrets = namespaces.map((ns) => new ResilientInformer<V1Secret>({
    kc, log, name: ns ? `secrets/${ns}` : 'secrets', relistMs: config.resyncMs, labelSelector: SECRET_SELECTOR,
    path: ns ? `/api/v1/namespaces/${ns}/secrets` : '/api/v1/secrets',
    list: () => (ns ? core.listNamespacedSecret({ namespace: ns, labelSelector: SECRET_SELECTOR }) : core.listSecretForAllNamespaces({ labelSelector: SECRET_SELECTOR })),
    // A Secret event concerns the GoPackageOwner that controls it.
    onChange: (s) => {
      const controllerRef = s.metadata?.ownerReferences?.find((r) => r.controller && r.kind === KIND);
      if (controllerRef) queue.add(keyOf(s.metadata!.namespace!, controllerRef.name));
    },
  }));
  return { resources: group, secrets: new InformerGroup(secrets) };
}

type Informers = ReturnType<typeof informers>;

function reconcilerFor(config: OperatorConfig, kc: KubeConfig): GoPackageOwnerReconciler {
  const registry = new HttpRegistryAdminClient(config.registryUrl, config.adminToken, config.caPem);
  // Asked once it answers (a registry without a checksum database answers undefined, kept too).
  let known: Promise<{ name: string; verifierKey: string } | undefined> | undefined;
  const checksumDatabase = () => (known ??= registry.getChecksumDatabase().catch((err: unknown) => ((known = undefined), Promise.reject(err))));
  const secrets = { publicUrl: config.publicUrl, caPem: config.secretCaPem, noSumDb: config.noSumDb, checksumDatabase };
  return new GoPackageOwnerReconciler(new KubeClient(kc), registry, secrets, () => new Date(), config.rotationGraceMs);
}

const RENEWAL_CHECK_MS = 60 * 60_000;

/**
 * The Secrets made at run time (generated-secrets.ts), before anything needs them: tried
 * until they exist, then checked for renewal every hour while this operator leads. With the
 * generated CA, the admin API is verified with it and token Secrets carry it.
 */
async function ensureGenerated(config: OperatorConfig, kc: KubeConfig, log: pino.Logger): Promise<void> {
  const { namespace, tls, passwordSecret } = config.generated;
  if (!tls && !passwordSecret) return;
  const generated = new GeneratedSecrets(new KubeClient(kc));
  const ensure = async () => {
    if (passwordSecret) await generated.ensurePassword(namespace, passwordSecret);
    if (!tls) return;
    const caPem = await generated.ensureTls({ namespace, ...tls });
    config.caPem = caPem;
    if (config.secretCaPem === undefined && !config.secretCaDisabled) config.secretCaPem = caPem;
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
  const reconciler = reconcilerFor(config, kc);
  metrics.leader.set({ name: 'go-registry-operator' }, 1);
  void watched.resources.start();
  void watched.secrets.start();
  const observer = metrics.controllerObserver((key, err) => {
    // Optimistic-concurrency conflicts are routine: retried, not reported.
    if (err instanceof ConflictError) log.debug({ key }, 'conflict; retrying');
    else log.warn({ key, err: (err as Error).message }, 'reconcile failed');
  });
  return runWorkers(queue, config.concurrency, async (key) => {
    const cached = watched.resources.cached();
    metrics.managedOwners.set(cached.length);
    metrics.managedTokens.set(cached.reduce((n, o) => n + (o.spec?.tokens?.length ?? 0), 0));
    return reconciler.reconcile(key);
  }, observer);
}

async function main(): Promise<void> {
  const config = loadOperatorConfig();
  const log = pino({ level: config.logLevel, base: { service: 'go-registry-operator' } });
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const metrics = new OperatorMetrics('gopackageowner');
  const queue = new WorkQueue<string>(defaultControllerRateLimiter(), metrics.queueObserver());
  metrics.watchQueue(queue);
  const watched = informers(config, kc, queue, log);
  metrics.leader.set({ name: 'go-registry-operator' }, 0);
  let workers: Promise<unknown> | undefined;
  const lead = () => void (workers = startControllers(config, kc, queue, watched, metrics, log));
  const elector = config.leaderElection
    ? new LeaderElector({ kc, log, namespace: config.leaseNamespace, name: 'go-registry-operator', identity: config.identity, onLeading: lead, onLost: () => process.exit(1) })
    : undefined;
  const server = await serveHealth(config.metricsPort, metrics, () => !elector || !elector.isLeader || watched.resources.synced);
  log.info({ metricsPort: (server.address() as AddressInfo).port, identity: config.identity, leaderElection: config.leaderElection, namespaces: config.watchNamespaces.length ? config.watchNamespaces : 'all' }, 'operator started');
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
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

function serveHealth(port: number, metrics: OperatorMetrics, ready: () => boolean): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.url === '/metrics') {
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
