/** Requeue delays on node:test mock timers: the bucket refills on the (mocked) clock, nothing sleeps. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  BucketRateLimiter,
  ExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
  type RateLimiter,
} from '../../../operator/runtime/rate-limiter.js';
import { WorkQueue } from '../../../operator/runtime/work-queue.js';
import { restoreTime, useFakeTime, type FakeTime } from './fake-time.js';

let time: FakeTime;
beforeEach(() => (time = useFakeTime()));
afterEach(restoreTime);

describe('per-key exponential limiter', () => {
  test('5 ms · 2^n, capped at 1000 s, forgotten on success', () => {
    const l = new ExponentialFailureRateLimiter<string>();
    assert.deepEqual([l.when('a'), l.when('a'), l.when('a'), l.when('a')], [5, 10, 20, 40]);
    assert.equal(l.when('b'), 5, 'keys back off independently');
    assert.equal(l.retries('a'), 4);
    for (let i = 0; i < 40; i++) l.when('a');
    assert.equal(l.when('a'), 1_000_000);
    l.forget('a');
    assert.equal(l.when('a'), 5);
    assert.equal(l.retries('b'), 1, 'forgetting a leaves b alone');
  });

  test('the delay does not depend on time passing: only failures count', async () => {
    const l = new ExponentialFailureRateLimiter<string>();
    l.when('a');
    await time.advance(60_000);
    assert.equal(l.when('a'), 10);
  });
});

describe('bucket limiter on the default clock (Date.now)', () => {
  test('a burst of 100 passes, then one per 100 ms; a second later 10 tokens are back', async () => {
    const b = new BucketRateLimiter<string>(10, 100);
    for (let i = 0; i < 100; i++) assert.equal(b.when(`k${i}`), 0);
    assert.equal(b.when('k'), 100);
    assert.equal(b.when('k'), 200);
    await time.advance(1000);
    // 10 tokens refilled, 2 of them owed: 8 pass at once, the 9th waits.
    for (let i = 0; i < 8; i++) assert.equal(b.when('k'), 0);
    assert.equal(b.when('k'), 100);
  });

  test('an idle bucket refills to its burst and no further', () => {
    const b = new BucketRateLimiter<string>(10, 100);
    for (let i = 0; i < 100; i++) b.when('k');
    assert.equal(b.when('k'), 100, 'one token owed');
    time.tick(3_600_000); // an hour idle buys 100 tokens, not 36,000
    for (let i = 0; i < 100; i++) assert.equal(b.when('k'), 0);
    assert.equal(b.when('k'), 100);
  });

  test('forget and retries are no-ops: the bucket is shared, not per key', () => {
    const b = new BucketRateLimiter<string>(10, 1);
    b.when('a');
    b.forget();
    assert.equal(b.retries(), 0);
    assert.equal(b.when('b'), 100, 'a forget does not give the token back');
  });
});

describe('limiters combined', () => {
  test('max of several: the larger delay, the larger retry count; forget reaches all', () => {
    const fixed = (ms: number): RateLimiter<string> => ({ when: () => ms, retries: () => 7, forget() {} });
    const l = new MaxOfRateLimiter<string>(new ExponentialFailureRateLimiter<string>(5), fixed(30));
    assert.equal(l.when('a'), 30);
    assert.equal(l.retries('a'), 7);
    for (let i = 0; i < 4; i++) l.when('a');
    assert.equal(l.when('a'), 160, '5 · 2^5 beats 30');
    l.forget('a');
    assert.equal(l.when('a'), 30);
  });

  test('default: one failing key backs off exponentially; a storm of failing keys is paced at 10/s after a burst of 100', () => {
    const l = defaultControllerRateLimiter<string>();
    assert.deepEqual([l.when('x'), l.when('x'), l.when('x')], [5, 10, 20]);
    const storm = Array.from({ length: 150 }, (_, i) => l.when(`key-${i}`));
    assert.ok(storm.slice(0, 97).every((d) => d === 5), 'the burst: each key\'s own 5 ms');
    assert.deepEqual(storm.slice(97, 101), [100, 200, 300, 400], 'x took 3 of the 100 tokens; then one per 100 ms');
  });

  test('a work queue with the default limiter releases a storm of retries at that pace', async () => {
    const q = new WorkQueue<string>(defaultControllerRateLimiter<string>());
    for (let i = 0; i < 120; i++) q.addRateLimited(`key-${i}`);
    await time.advance(5);
    assert.equal(q.length, 100, 'the burst is due after 5 ms');
    await time.advance(94);
    assert.equal(q.length, 100);
    await time.advance(1);
    assert.equal(q.length, 101, 'one more at 100 ms');
    await time.advance(1900);
    assert.equal(q.length, 120, 'the rest at 10 per second');
  });
});
