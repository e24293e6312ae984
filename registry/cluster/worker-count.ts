/** How many worker processes WORKERS asks for on this machine or in this container. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Config } from '../config/config.js';

/**
 * CPUs this process may use: the cgroup v2 quota (a Pod's CPU limit) when there is one,
 * else the CPUs it may run on. A Pod limited to 2 CPUs on a 64-core node gets 2 workers.
 */
export function usableCpus(cpuMax = readCgroupCpuMax()): number {
  const [quota, period] = cpuMax?.trim().split(/\s+/) ?? [];
  const cpus = os.availableParallelism();
  if (!quota || quota === 'max' || !Number(period)) return cpus;
  return Math.max(1, Math.min(cpus, Math.ceil(Number(quota) / Number(period))));
}

function readCgroupCpuMax(): string | undefined {
  try {
    return readFileSync('/sys/fs/cgroup/cpu.max', 'utf8');
  } catch {
    return undefined;
  }
}

/** `auto` on the embedded database is one worker: PGlite lives in one process (loadConfig refuses a number above 1). */
export function workerCount(config: Pick<Config, 'workers' | 'databaseUrl'>, cpus = usableCpus): number {
  if (config.workers !== 'auto') return config.workers;
  return config.databaseUrl ? cpus() : 1;
}
