/**
 * node:test mock timers for the operator's runtime: setTimeout, setInterval and Date
 * are faked, so tests move time on and assert exact delays without sleeping.
 */
import { mock } from 'node:test';

/** Lets promise continuations and I/O callbacks run (setImmediate stays real: it is no timer). */
export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface FakeTime {
  /** Moves the clock on one millisecond at a time, letting async work settle after each step. */
  advance(ms: number): Promise<void>;
  /** Jumps the clock on at once (firing due timers), for long idle periods. */
  tick(ms: number): void;
  now(): number;
}

export function useFakeTime(): FakeTime {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 0 });
  return {
    async advance(ms) {
      await flush();
      for (let i = 0; i < ms; i++) {
        mock.timers.tick(1);
        await flush();
      }
    },
    tick: (ms) => mock.timers.tick(ms),
    now: () => Date.now(),
  };
}

export const restoreTime = () => mock.timers.reset();
