/**
 * The fuzz targets, shared by the bounded runs in `npm test` (test/fuzz/*.test.ts) and
 * the long ones of `npm run fuzz` (test/fuzz/run-fuzz.ts). fast-check was chosen for
 * these (over a hand-written generator loop) for three things it does well: shrinking
 * a failure to a small counterexample, replaying any run from its printed seed and path,
 * and model-based testing of a stateful system (fc.commands / fc.asyncModelRun).
 */
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parserTargets } from './parser-properties.js';
import { startOracle, type Oracle } from './xmod-oracle.js';
import { zipTargets } from './zip-properties.js';

export type InProcessTarget = 'module path' | 'version' | 'go.mod' | 'module zip' | 'zip bomb';

/** The fixed seed of `npm test`'s runs (FUZZ_SEED overrides it; FUZZ_PATH replays a shrunk failure). */
export const DEFAULT_SEED = 20260601;
export const fuzzSeed = () => Number(process.env.FUZZ_SEED ?? DEFAULT_SEED);
export const fuzzPath = () => process.env.FUZZ_PATH;

export interface InProcessFuzz {
  properties: Record<InProcessTarget, fc.IAsyncPropertyWithHooks<unknown[]>>;
  close(): Promise<void>;
}

/** Starts the x/mod oracle and a scratch folder (tmpfs when there is one) for the zips. */
export async function startInProcessFuzz(): Promise<InProcessFuzz> {
  const oracle: Oracle = await startOracle();
  const dir = await mkdtemp(path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'go-registry-fuzz-'));
  const properties = { ...parserTargets(oracle), ...zipTargets(oracle, path.join(dir, 'case.zip')) } as InProcessFuzz['properties'];
  return {
    properties,
    async close() {
      await oracle.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** fast-check's parameters for a run: the seed, and the path to replay when given. */
export function runParameters(numRuns: number, seed = fuzzSeed()): fc.Parameters<unknown[]> {
  const p: fc.Parameters<unknown[]> = { numRuns, seed };
  const replay = fuzzPath();
  if (replay) p.path = replay;
  return p;
}
