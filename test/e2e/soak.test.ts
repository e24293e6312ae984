/**
 * The soak's short run (test/soak/): 30 seconds of mixed load on two registry processes
 * sharing one PostgreSQL 15 cluster and one STORAGE_DIR. `npm run soak` runs the same
 * harness for 10 minutes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSoak } from '../soak/soak.js';
import { formatReport } from '../soak/soak-report.js';

test('30 s soak: no 5xx, coherent caches within the bound, listed = downloadable, memory and descriptors level off', async () => {
  const report = await runSoak({ durationMs: 30_000 });
  const summary = formatReport(report);
  assert.deepEqual(report.violations, [], summary);
  // The run did what it says: every kind of load happened, and both processes were sampled throughout.
  for (const kind of ['upload', 'delete', 'list', 'zip', 'token:create', 'token:revoke', 'visibility']) {
    assert.ok(Object.values(report.requests[kind] ?? {}).reduce((n, x) => n + x, 0) > 0, `no ${kind} requests:\n${summary}`);
  }
  for (const kind of ['upload', 'delete', 'token:create', 'token:revoke', 'visibility']) {
    assert.ok((report.convergence[kind]?.count ?? 0) > 0, `no ${kind} convergence measured:\n${summary}`);
    assert.ok(report.convergence[kind]!.maxMs <= report.boundMs, summary);
  }
  for (const p of Object.values(report.processes)) assert.ok(p.rssKiB.length >= 30 && p.leveling.ok, summary);
  assert.ok(Object.entries(report.requests).every(([, c]) => Object.keys(c).every((s) => s !== 'error' && Number(s) < 500)), summary);
});
