/** Operator metrics under controller-runtime's names, so existing dashboards and alerts apply. */
import client from 'prom-client';
import type { ControllerObserver } from './controller.js';
import type { QueueObserver, WorkQueue } from './work-queue.js';

export class OperatorMetrics {
  readonly registry = new client.Registry();
  private readonly reconcileTotal;
  private readonly reconcileErrors;
  private readonly reconcileTime;
  private readonly depth;
  private readonly adds;
  private readonly queueDuration;
  private readonly workDuration;
  private readonly retries;
  readonly leader;
  readonly managedOwners;
  readonly managedTokens;

  constructor(private readonly controller: string) {
    const registers = [this.registry];
    client.collectDefaultMetrics({ register: this.registry });
    const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
    this.reconcileTotal = new client.Counter({ name: 'controller_runtime_reconcile_total', help: 'Reconciliations per controller and result', labelNames: ['controller', 'result'], registers });
    this.reconcileErrors = new client.Counter({ name: 'controller_runtime_reconcile_errors_total', help: 'Reconciliation errors per controller', labelNames: ['controller'], registers });
    this.reconcileTime = new client.Histogram({ name: 'controller_runtime_reconcile_time_seconds', help: 'Reconciliation duration per controller', labelNames: ['controller'], buckets, registers });
    this.depth = new client.Gauge({ name: 'workqueue_depth', help: 'Current depth of the work queue', labelNames: ['name'], registers });
    this.adds = new client.Counter({ name: 'workqueue_adds_total', help: 'Adds handled by the work queue', labelNames: ['name'], registers });
    this.queueDuration = new client.Histogram({ name: 'workqueue_queue_duration_seconds', help: 'Seconds an item waits in the queue', labelNames: ['name'], buckets, registers });
    this.workDuration = new client.Histogram({ name: 'workqueue_work_duration_seconds', help: 'Seconds spent processing an item', labelNames: ['name'], buckets, registers });
    this.retries = new client.Counter({ name: 'workqueue_retries_total', help: 'Retries handled by the work queue', labelNames: ['name'], registers });
    this.leader = new client.Gauge({ name: 'leader_election_master_status', help: '1 while this replica leads', labelNames: ['name'], registers });
    this.managedOwners = new client.Gauge({ name: 'goregistry_operator_managed_owners', help: 'GoPackageOwner resources known to the operator', registers });
    this.managedTokens = new client.Gauge({ name: 'goregistry_operator_managed_tokens', help: 'Tokens declared by known GoPackageOwner resources', registers });
  }

  queueObserver(): QueueObserver {
    const name = { name: this.controller };
    return {
      add: () => this.adds.inc(name),
      depth: (n) => this.depth.set(name, n),
      queued: (s) => this.queueDuration.observe(name, s),
      worked: (s) => this.workDuration.observe(name, s),
      retry: () => this.retries.inc(name),
    };
  }

  controllerObserver(onError: (key: string, err: unknown) => void): ControllerObserver {
    const controller = this.controller;
    return {
      result: (result, seconds) => {
        this.reconcileTotal.inc({ controller, result });
        this.reconcileTime.observe({ controller }, seconds);
        if (result === 'error') this.reconcileErrors.inc({ controller });
      },
      error: onError,
    };
  }

  /** Gauges computed at scrape time from the queue's in-flight items. */
  watchQueue(queue: WorkQueue<string>): void {
    const name = this.controller;
    new client.Gauge({ name: 'workqueue_unfinished_work_seconds', help: 'Seconds of work in progress not yet done', labelNames: ['name'], registers: [this.registry], collect() { this.set({ name }, queue.inFlight().total); } });
    new client.Gauge({ name: 'workqueue_longest_running_processor_seconds', help: 'Seconds the longest running item has been processed', labelNames: ['name'], registers: [this.registry], collect() { this.set({ name }, queue.inFlight().longest); } });
  }
}
