/**
 * Bounded differential runs for `npm test`: module paths, versions, go.mod texts and
 * module zips (with bombs) against golang.org/x/mod through the oracle. The seed is
 * fixed (FUZZ_SEED overrides it); a failure prints fast-check's seed and path, and
 * FUZZ_SEED=<seed> FUZZ_PATH=<path> replays exactly that case. `npm run fuzz` runs the
 * same targets for millions of cases.
 */
import fc from 'fast-check';
import { after, before, test } from 'node:test';
import { runParameters, startInProcessFuzz, type InProcessFuzz, type InProcessTarget } from './support/fuzz-targets.js';

/** Cases per target in npm test: a few seconds each. */
const BOUNDED: Record<InProcessTarget, number> = { 'module path': 15_000, version: 8_000, 'go.mod': 4_000, 'module zip': 3_000, 'zip bomb': 4 };

let fuzz: InProcessFuzz;
before(async () => (fuzz = await startInProcessFuzz()));
after(() => fuzz?.close());

for (const [target, runs] of Object.entries(BOUNDED) as [InProcessTarget, number][]) {
  test(`${target}: ${runs} cases agree with x/mod`, { timeout: 180_000 }, async () => {
    await fc.assert(fuzz.properties[target], runParameters(runs));
  });
}
