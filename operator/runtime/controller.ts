/**
 * Runs reconcile for queued keys with controller-runtime's contract: at most
 * `concurrency` keys at once and never one key twice; an error requeues with the
 * rate limiter's backoff, a terminal error does not, `requeueAfter` schedules the next
 * run, success forgets the key's backoff.
 */
import type { WorkQueue } from './work-queue.js';

export interface ReconcileResult {
  requeueAfterMs?: number;
}

/** An error retrying cannot fix (an invalid spec): reported, not requeued. */
export class TerminalError extends Error {
  override name = 'TerminalError';
}

export interface ControllerObserver {
  result(result: 'success' | 'error' | 'requeue' | 'requeue_after', seconds: number): void;
  error(key: string, err: unknown): void;
}

export function runWorkers(
  queue: WorkQueue<string>,
  concurrency: number,
  reconcile: (key: string) => Promise<ReconcileResult | void>,
  observer: ControllerObserver,
): Promise<void[]> {
  const worker = async () => {
    for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
      const started = Date.now();
      const seconds = () => (Date.now() - started) / 1000;
      try {
        const result = await reconcile(key);
        queue.forget(key);
        if (result?.requeueAfterMs !== undefined) {
          queue.addAfter(key, result.requeueAfterMs);
          observer.result('requeue_after', seconds());
        } else {
          observer.result('success', seconds());
        }
      } catch (err) {
        observer.error(key, err);
        observer.result('error', seconds());
        if (err instanceof TerminalError) queue.forget(key);
        else queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  return Promise.all(Array.from({ length: concurrency }, worker));
}
