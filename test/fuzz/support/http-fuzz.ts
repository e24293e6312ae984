/**
 * Runs the HTTP fuzz test: one in-process registry (PGlite, or PostgreSQL when given a
 * DATABASE_URL) over real HTTP, and fast-check runs of model commands against it, each
 * run with fresh owners. After every command the registry must still answer /healthz;
 * after every run everything the model holds published is listed and downloads with its
 * bytes, and nothing refused or deleted is.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tempDir } from '../../support/paths.js';
import { startTestRegistry } from '../../support/in-process-registry.js';
import { checkModel, commandArbitraries } from './http-commands.js';
import { newRun, type FuzzModel, type FuzzStats, type FuzzWorld } from './http-world.js';

export interface HttpFuzzOptions {
  runs: number;
  maxCommands: number;
  seed: number;
  path?: string | undefined;
  env?: Record<string, string>;
}

export interface HttpFuzzReport {
  details: fc.RunDetails<[Iterable<fc.AsyncCommand<FuzzModel, FuzzWorld>>]>;
  stats: FuzzStats;
}

async function healthy(w: FuzzWorld): Promise<void> {
  const res = await fetch(`${w.url}/healthz`);
  await res.arrayBuffer();
  w.stats.probes++;
  assert.equal(res.status, 200, 'the registry still answers /healthz');
}

/** Commands between two checks of the whole model (which costs a request or four per version). */
const CHECK_EVERY = 40;

/** Wraps each command so that /healthz is asked after it, and the model checked every CHECK_EVERY commands. */
const withHealthCheck = (cmd: fc.AsyncCommand<FuzzModel, FuzzWorld>): fc.AsyncCommand<FuzzModel, FuzzWorld> => ({
  check: (m) => cmd.check(m),
  run: async (m, w) => {
    await cmd.run(m, w);
    await healthy(w);
    if (++w.commands % CHECK_EVERY === 0) await checkModel(m, w);
  },
  toString: () => cmd.toString(),
});

export async function runHttpFuzz(options: HttpFuzzOptions): Promise<HttpFuzzReport> {
  const reg = await startTestRegistry(options.env);
  const scratch = await tempDir('http-fuzz');
  const stats: FuzzStats = { requests: 0, checks: 0, probes: 0, statuses: new Map() };
  try {
    const property = fc.asyncProperty(fc.commands(commandArbitraries.map((a) => a.map(withHealthCheck)), { maxCommands: options.maxCommands, size: 'max' }), async (cmds) => {
      const setup = await newRun(reg.url, scratch.dir, stats);
      await fc.asyncModelRun(() => setup, cmds);
      await checkModel(setup.model, setup.real);
      await healthy(setup.real);
    });
    const details = await fc.check(property, { numRuns: options.runs, seed: options.seed, path: options.path, endOnFailure: process.env.FUZZ_SHRINK === '0' });
    return { details, stats };
  } finally {
    await reg.stop();
    await scratch.remove();
  }
}
