/** Workers over the work queue on node:test mock timers: reconcile durations and requeue delays are exact, nothing sleeps. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { runWorkers, TerminalError, type ControllerObserver } from '../../../operator/runtime/controller.js';
import { ExponentialFailureRateLimiter } from '../../../operator/runtime/rate-limiter.js';
import { WorkQueue } from '../../../operator/runtime/work-queue.js';
import { restoreTime, useFakeTime, type FakeTime } from './fake-time.js';

let time: FakeTime;
beforeEach(() => (time = useFakeTime()));
afterEach(restoreTime);

const quietObserver: ControllerObserver = { result() {}, error() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)); // mocked: moves only with time.advance

describe('workers', () => {
  test('never reconcile one key twice at once, and honour the concurrency limit', async () => {
    const q = new WorkQueue<string>(new ExponentialFailureRateLimiter());
    const active = new Set<string>();
    let peak = 0;
    const runs: Record<string, number> = {};
    const workers = runWorkers(q, 3, async (key) => {
      assert.ok(!active.has(key), `${key} reconciled concurrently`);
      active.add(key);
      peak = Math.max(peak, active.size);
      runs[key] = (runs[key] ?? 0) + 1;
      await sleep(15);
      active.delete(key);
    }, quietObserver);
    for (let round = 0; round < 5; round++) {
      for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
      await time.advance(1);
    }
    await time.advance(200);
    await q.shutDownWithDrain();
    await workers;
    assert.equal(peak, 3);
    // a, b and c were re-added while running: once more each, after; d and e while waiting: no extra run.
    assert.deepEqual(runs, { a: 2, b: 2, c: 2, d: 1, e: 1 });
  });

  test('a key added while it is reconciled runs again right after, never alongside', async () => {
    const q = new WorkQueue<string>(new ExponentialFailureRateLimiter());
    const spans: [number, number][] = [];
    const workers = runWorkers(q, 4, async () => {
      const start = time.now();
      await sleep(100);
      spans.push([start, time.now()]);
    }, quietObserver);
    q.add('a');
    await time.advance(50);
    q.add('a');
    await time.advance(300);
    await q.shutDownWithDrain();
    await workers;
    assert.deepEqual(spans, [[0, 100], [100, 200]]);
  });

  test('errors back off 5, 10, 20, 40 ms; success forgets the backoff', async () => {
    const q = new WorkQueue<string>(new ExponentialFailureRateLimiter(5));
    const times: number[] = [];
    const workers = runWorkers(q, 2, async () => {
      times.push(time.now());
      if (times.length < 5) throw new Error('registry unavailable');
    }, quietObserver);
    q.add('flaky');
    await time.advance(1000);
    await q.shutDownWithDrain();
    await workers;
    assert.deepEqual(times, [0, 5, 15, 35, 75]);
    assert.equal(q.retries('flaky'), 0, 'forgotten after success');
  });

  test('a terminal error is not retried; requeueAfter schedules the next run exactly', async () => {
    const q = new WorkQueue<string>(new ExponentialFailureRateLimiter(5));
    const times: Record<string, number[]> = { terminal: [], periodic: [] };
    const results: string[] = [];
    const workers = runWorkers(q, 2, async (key) => {
      times[key]!.push(time.now());
      if (key === 'terminal') throw new TerminalError('invalid spec');
      if (times.periodic!.length < 3) return { requeueAfterMs: 30 };
    }, { result: (r) => results.push(r), error() {} });
    q.add('terminal');
    q.add('periodic');
    await time.advance(1000);
    await q.shutDownWithDrain();
    await workers;
    assert.deepEqual(times, { terminal: [0], periodic: [0, 30, 60] });
    assert.equal(q.retries('terminal'), 0);
    assert.deepEqual(results.sort(), ['error', 'requeue_after', 'requeue_after', 'success']);
  });

  test('reconcile time is reported on the clock', async () => {
    const q = new WorkQueue<string>(new ExponentialFailureRateLimiter());
    const seconds: number[] = [];
    const workers = runWorkers(q, 1, () => sleep(250).then(() => undefined), { result: (_r, s) => seconds.push(s), error() {} });
    q.add('a');
    await time.advance(300);
    await q.shutDownWithDrain();
    await workers;
    assert.deepEqual(seconds, [0.25]);
  });
});
