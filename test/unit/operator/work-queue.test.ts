import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runWorkers, TerminalError } from '../../../operator/runtime/controller.js';
import { BucketRateLimiter, ExponentialFailureRateLimiter, defaultControllerRateLimiter } from '../../../operator/runtime/rate-limiter.js';
import { WorkQueue } from '../../../operator/runtime/work-queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quietObserver = { result() {}, error() {} };

describe('rate limiters', () => {
  test('per-key exponential backoff: 5 ms · 2^n, capped at 1000 s, forgotten on success', () => {
    const l = new ExponentialFailureRateLimiter<string>();
    assert.deepEqual([l.when('a'), l.when('a'), l.when('a'), l.when('a')], [5, 10, 20, 40]);
    assert.equal(l.when('b'), 5, 'keys back off independently');
    assert.equal(l.retries('a'), 4);
    for (let i = 0; i < 40; i++) l.when('a');
    assert.equal(l.when('a'), 1_000_000);
    l.forget('a');
    assert.equal(l.when('a'), 5);
  });

  test('bucket: a burst passes, then 10 per second', () => {
    let now = 0;
    const b = new BucketRateLimiter<string>(10, 100, () => now);
    for (let i = 0; i < 100; i++) assert.equal(b.when('k'), 0);
    assert.equal(b.when('k'), 100);
    assert.equal(b.when('k'), 200);
    now += 1000;
    // 10 tokens refilled, 2 of them owed: 8 pass at once, the 9th waits.
    for (let i = 0; i < 8; i++) assert.equal(b.when('k'), 0);
    assert.equal(b.when('k'), 100);
  });

  test('the default is the maximum of both', () => {
    const l = defaultControllerRateLimiter<string>();
    assert.equal(l.when('x'), 5);
    assert.equal(l.when('x'), 10);
  });
});

describe('work queue', () => {
  test('a key added many times while waiting is handed out once', async () => {
    const q = new WorkQueue<string>(new ExponentialFailureRateLimiter());
    q.add('a');
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.length, 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
  });

  test('a key being processed is not handed out again until done, then once more if re-added', async () => {
    const q = new WorkQueue<string>(new ExponentialFailureRateLimiter());
    q.add('a');
    const key = await q.get();
    q.add('a');
    q.add('a');
    assert.equal(q.length, 0, 'held back while processing');
    q.done(key!);
    assert.equal(q.length, 1);
    assert.equal(await q.get(), 'a');
    q.done('a');
    assert.equal(q.length, 0);
  });

  test('addAfter delays; the earliest pending add wins', async () => {
    const q = new WorkQueue<string>(new ExponentialFailureRateLimiter());
    q.addAfter('a', 200);
    q.addAfter('a', 20);
    q.addAfter('a', 500);
    assert.equal(q.length, 0);
    await sleep(150);
    assert.equal(q.length, 1, 'the 20 ms add came due');
    assert.equal(await q.get(), 'a');
    q.done('a');
    await sleep(500);
    assert.equal(q.length, 0, 'the later adds were dropped, not queued again');
  });

  test('shutdown with drain waits for keys in progress and releases waiting workers', async () => {
    const q = new WorkQueue<string>(new ExponentialFailureRateLimiter());
    const waiting = q.get();
    q.add('a');
    assert.equal(await waiting, 'a');
    const idle = q.get();
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => (drained = true));
    assert.equal(await idle, undefined);
    await sleep(10);
    assert.equal(drained, false);
    q.done('a');
    await drain;
    assert.equal(drained, true);
    q.add('b');
    assert.equal(await q.get(), undefined, 'no keys after shutdown');
  });
});

describe('workers', () => {
  test('never reconcile one key twice at once, and honour the concurrency limit', async () => {
    const q = new WorkQueue<string>(new ExponentialFailureRateLimiter());
    const active = new Set<string>();
    let peak = 0;
    let runs = 0;
    const workers = runWorkers(q, 3, async (key) => {
      assert.ok(!active.has(key), `${key} reconciled concurrently`);
      active.add(key);
      peak = Math.max(peak, active.size);
      runs++;
      await sleep(15);
      active.delete(key);
    }, quietObserver);
    for (let round = 0; round < 5; round++) {
      for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
      await sleep(5);
    }
    await sleep(200);
    await q.shutDownWithDrain();
    await workers;
    assert.equal(peak, 3);
    assert.ok(runs >= 5 && runs <= 15, `runs ${runs}: re-adds coalesce`);
  });

  test('errors back off exponentially; terminal errors and successes stop retrying; requeueAfter schedules', async () => {
    const q = new WorkQueue<string>(new ExponentialFailureRateLimiter(5));
    const times: Record<string, number[]> = { flaky: [], terminal: [], periodic: [] };
    const workers = runWorkers(q, 2, async (key) => {
      times[key]!.push(Date.now());
      if (key === 'flaky' && times.flaky!.length < 5) throw new Error('registry unavailable');
      if (key === 'terminal') throw new TerminalError('invalid spec');
      if (key === 'periodic' && times.periodic!.length < 3) return { requeueAfterMs: 30 };
    }, quietObserver);
    q.add('flaky');
    q.add('terminal');
    q.add('periodic');
    await sleep(1000);
    await q.shutDownWithDrain();
    await workers;
    assert.equal(times.flaky!.length, 5, 'retried until it succeeded');
    const gaps = times.flaky!.slice(1).map((t, i) => t - times.flaky![i]!);
    assert.ok(gaps[3]! > gaps[0]!, `growing backoff: ${gaps}`);
    assert.equal(q.retries('flaky'), 0, 'forgotten after success');
    assert.equal(times.terminal!.length, 1);
    assert.equal(times.periodic!.length, 3);
  });
});
