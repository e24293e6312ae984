/**
 * A cluster worker's side of the IPC channel: it announces that it listens, and its
 * /metrics (on the main port) answers with all workers' metrics, aggregated by the primary.
 */
import client from 'prom-client';
import type { MetricsExposition } from '../http/metrics-middleware.js';
import { isClusterMessage, type ClusterMessage } from './messages.js';

export interface WorkerLink {
  /** /metrics of the whole pod, not of the worker a scrape happened to reach. */
  exposition: MetricsExposition;
  listening(port: number, url: string): void;
}

const METRICS_TIMEOUT_MS = 10_000;

export function joinCluster(registry: client.Registry): WorkerLink {
  // prom-client answers the primary's requests for this worker's metrics once an
  // AggregatorRegistry exists in the worker; ours is a registry of its own, not the global one.
  new client.AggregatorRegistry();
  client.AggregatorRegistry.setRegistries([registry]);
  const send = (m: ClusterMessage) => process.send?.(m);
  const pending = new Map<number, { resolve(text: string): void; reject(err: Error): void }>();
  let next = 0;
  process.on('message', (m: unknown) => {
    if (!isClusterMessage(m) || m.type !== 'go-registry:metrics-response') return;
    const waiter = pending.get(m.id);
    pending.delete(m.id);
    if (m.text !== undefined) waiter?.resolve(m.text);
    else waiter?.reject(new Error(`metrics aggregation failed: ${m.error ?? 'no answer'}`));
  });
  return {
    exposition: {
      contentType: registry.contentType,
      metrics: () =>
        new Promise<string>((resolve, reject) => {
          const id = next++;
          const timer = setTimeout(() => {
            pending.delete(id);
            reject(new Error('metrics aggregation timed out'));
          }, METRICS_TIMEOUT_MS);
          pending.set(id, {
            resolve: (text) => (clearTimeout(timer), resolve(text)),
            reject: (err) => (clearTimeout(timer), reject(err)),
          });
          send({ type: 'go-registry:metrics-request', id });
        }),
    },
    listening: (port, url) => send({ type: 'go-registry:listening', port, url }),
  };
}
