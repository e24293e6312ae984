/** The work queue on node:test mock timers: delays are asserted to the millisecond, nothing sleeps. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { ExponentialFailureRateLimiter } from '../../../operator/runtime/rate-limiter.js';
import { WorkQueue, type QueueObserver } from '../../../operator/runtime/work-queue.js';
import { flush, restoreTime, useFakeTime, type FakeTime } from './fake-time.js';

let time: FakeTime;
beforeEach(() => (time = useFakeTime()));
afterEach(restoreTime);

const queue = () => new WorkQueue<string>(new ExponentialFailureRateLimiter());

describe('work queue: de-duplication', () => {
  test('a key added many times while waiting is handed out once', async () => {
    const q = queue();
    for (const k of ['a', 'a', 'b', 'a']) q.add(k);
    assert.equal(q.length, 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
  });

  test('a key being processed is not handed out again until done, then once more if re-added', async () => {
    const q = queue();
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
});

describe('work queue: delays', () => {
  test('addAfter comes due exactly at its delay; the earliest pending add wins and the others are dropped', async () => {
    const q = queue();
    q.addAfter('a', 200);
    q.addAfter('a', 20);
    q.addAfter('a', 500);
    await time.advance(19);
    assert.equal(q.length, 0, 'not before 20 ms');
    await time.advance(1);
    assert.equal(q.length, 1, 'due at 20 ms');
    assert.equal(await q.get(), 'a');
    q.done('a');
    await time.advance(1000);
    assert.equal(q.length, 0, 'the 200 and 500 ms adds were dropped, not queued again');
  });

  test('an earlier addAfter replaces a later pending one', async () => {
    const q = queue();
    q.addAfter('a', 100);
    await time.advance(50);
    q.addAfter('a', 10); // due at 60, before the pending 100
    await time.advance(10);
    assert.equal(q.length, 1);
    assert.equal(await q.get(), 'a');
    q.done('a');
    await time.advance(100);
    assert.equal(q.length, 0, 'the replaced timer never fires');
  });

  test('addAfter with no delay adds at once', () => {
    const q = queue();
    q.addAfter('a', 0);
    assert.equal(q.length, 1);
  });

  test('addRateLimited waits the limiter\'s delay: 5 ms, then 10 ms after a second failure; forget starts over', async () => {
    const q = queue();
    q.addRateLimited('a');
    await time.advance(4);
    assert.equal(q.length, 0);
    await time.advance(1);
    assert.equal(await q.get(), 'a');
    q.done('a');
    q.addRateLimited('a');
    await time.advance(9);
    assert.equal(q.length, 0);
    await time.advance(1);
    assert.equal(await q.get(), 'a');
    assert.equal(q.retries('a'), 2);
    q.forget('a');
    assert.equal(q.retries('a'), 0);
  });
});

describe('work queue: shutdown', () => {
  test('shutdown with drain waits for keys in progress and releases waiting workers', async () => {
    const q = queue();
    const waiting = q.get();
    q.add('a');
    assert.equal(await waiting, 'a');
    const idle = q.get();
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => (drained = true));
    assert.equal(await idle, undefined);
    await time.advance(1000);
    assert.equal(drained, false, 'a key is still in progress');
    q.done('a');
    await drain;
    assert.equal(drained, true);
    q.add('b');
    assert.equal(await q.get(), undefined, 'no keys after shutdown');
  });

  test('delayed adds pending at shutdown never arrive', async () => {
    const q = queue();
    q.addAfter('a', 50);
    await q.shutDownWithDrain();
    await time.advance(100);
    assert.equal(q.length, 0);
  });
});

describe('work queue: what it reports', () => {
  test('seconds waiting and working, and unfinished work, on the clock', async () => {
    const seen: Record<'queued' | 'worked', number[]> = { queued: [], worked: [] };
    const observer: QueueObserver = { add() {}, depth() {}, retry() {}, queued: (s) => seen.queued.push(s), worked: (s) => seen.worked.push(s) };
    const q = new WorkQueue<string>(new ExponentialFailureRateLimiter(), observer);
    q.add('a');
    q.add('b');
    await time.advance(250);
    await q.get();
    await time.advance(500);
    await q.get();
    await time.advance(1000);
    assert.deepEqual(q.inFlight(), { longest: 1.5, total: 2.5 });
    q.done('a');
    q.done('b');
    assert.deepEqual(seen, { queued: [0.25, 0.75], worked: [1.5, 1] });
    await flush();
    assert.deepEqual(q.inFlight(), { longest: 0, total: 0 });
  });
});
