import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { progressReporter } from '../../../cli/progress.js';

test('off a terminal: one line per 10%, the last at 100%', () => {
  const lines: string[] = [];
  const report = progressReporter(1000, false, (t) => lines.push(t));
  for (let sent = 0; sent <= 1000; sent += 50) report(sent);
  assert.deepEqual(lines.map((l) => l.split(' ')[1]), ['0%', '10%', '20%', '30%', '40%', '50%', '60%', '70%', '80%', '90%', '100%']);
});

test('on a terminal: one redrawn line at most every 100 ms, and always the end', () => {
  mock.timers.enable({ apis: ['Date'], now: 0 });
  try {
    const writes: string[] = [];
    const report = progressReporter(10 * 1024 * 1024, true, (t) => writes.push(t));
    report(1024 * 1024);
    report(2 * 1024 * 1024);
    mock.timers.tick(99);
    report(3 * 1024 * 1024);
    mock.timers.tick(1);
    report(4 * 1024 * 1024);
    report(10 * 1024 * 1024);
    assert.deepEqual(writes, ['\rupload 10% (1.0 MiB of 10.0 MiB)', '\rupload 40% (4.0 MiB of 10.0 MiB)', '\rupload 100% (10.0 MiB of 10.0 MiB)\n']);
  } finally {
    mock.timers.reset();
  }
});
