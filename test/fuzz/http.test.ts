/**
 * A bounded run of the HTTP fuzz test for `npm test`: model-based command sequences
 * against the in-process registry (PGlite) over real HTTP. The seed is fixed (FUZZ_SEED
 * overrides it, FUZZ_PATH replays a shrunk failure); `npm run fuzz` sends 100,000+
 * requests.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { test } from 'node:test';
import { fuzzPath, fuzzSeed } from './support/fuzz-targets.js';
import { runHttpFuzz } from './support/http-fuzz.js';

test('HTTP: 4 runs of up to 150 commands keep every invariant', { timeout: 300_000 }, async () => {
  const { details, stats } = await runHttpFuzz({ runs: 4, maxCommands: 150, seed: fuzzSeed(), path: fuzzPath() });
  if (details.failed) assert.fail(fc.defaultReportMessage(details) ?? 'the HTTP fuzz run failed');
  assert.ok(stats.requests > 200, `sent ${stats.requests} requests`);
  assert.ok((stats.statuses.get(201) ?? 0) > 0, 'some uploads were published');
});
