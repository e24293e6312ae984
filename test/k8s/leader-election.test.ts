/**
 * Leader election with clocks that disagree, on the real API server (the shared test
 * control plane): two candidates, each a process of its own (so the holder can be
 * killed), one a minute ahead of the other's clock. There is never more than one
 * leader, and when the holder is killed the other takes over about one lease duration
 * after it last saw the Lease change, whichever way the clocks are off.
 */
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { track } from '../support/child-processes.js';
import { eventually } from '../support/eventually.js';
import { REPO_ROOT } from '../support/paths.js';
import { sharedCluster, type SharedCluster } from './cluster.js';
import type { CandidateMessage } from './lease-candidate.js';

/** The elector's defaults: a 15 s lease, a try every 2 s. */
const LEASE_MS = 15_000;
const RETRY_MS = 2_000;
const MINUTE = 60_000;

let cluster: SharedCluster;
let ns: string;
const candidates = new Map<string, { child: ChildProcess; stderr: () => string }>();
/** Who says it leads now, and since when (this process's clock); every moment two did. */
const leading = new Map<string, number>();
const overlaps: string[] = [];

before(async () => {
  cluster = await sharedCluster();
  ns = await cluster.namespace('leader-election');
}, { timeout: 60 * 60 * 1000 });
// Each test has a Lease of its own and leaves no candidate behind.
afterEach(async () => {
  await Promise.all([...candidates.keys()].map(kill));
  leading.clear();
  overlaps.length = 0;
});
after(() => cluster?.release());

function start(lease: string, identity: string, skewMs: number): void {
  const child = fork(path.join(REPO_ROOT, 'dist', 'test', 'k8s', 'lease-candidate.js'), [], {
    env: { ...process.env, KUBECONFIG: cluster.kubeconfig, LEASE_NAMESPACE: ns, LEASE_NAME: lease, LEASE_IDENTITY: identity, CLOCK_SKEW_MS: String(skewMs) },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  track(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  child.on('message', (m: CandidateMessage) => {
    if (!m.leading) return void leading.delete(m.identity);
    leading.set(m.identity, Date.now());
    if (leading.size > 1) overlaps.push(`${[...leading.keys()].join(' and ')} at ${new Date().toISOString()}`);
  });
  child.on('exit', () => leading.delete(identity));
  candidates.set(identity, { child, stderr: () => stderr });
}

/** SIGKILL: the Lease is not released, so the other candidate has to wait it out. */
async function kill(identity: string): Promise<number> {
  const { child } = candidates.get(identity)!;
  candidates.delete(identity);
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
  return Date.now();
}

const holder = async (lease: string) => (await cluster.kubectl(['-n', ns, 'get', 'lease', lease, '-o', 'jsonpath={.spec.holderIdentity}'])).stdout;
const logs = () => [...candidates].map(([id, c]) => `${id}: ${c.stderr().slice(-2000)}`).join('\n');

/** Over `ms`, sampled twice a second: exactly `identity` says it leads, and the Lease names it. */
async function onlyLeader(lease: string, identity: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    assert.deepEqual([...leading.keys()], [identity], `only ${identity} leads; overlaps: ${overlaps.join(', ') || 'none'}\n${logs()}`);
    assert.equal(await holder(lease), identity);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Kills the holder and waits for the standby. It last saw the Lease change within a try of
 * the kill, and takes over on its first try a lease duration after that (its own clock).
 */
async function failover(lease: string, from: string, to: string): Promise<number> {
  const killedAt = await kill(from);
  // Slack for API requests on a busy machine; a standby judging by a clock two minutes off needs 135 s.
  const slackMs = 4000;
  await eventually(`${to} takes over`, async () => leading.has(to), { timeoutMs: LEASE_MS + 2 * RETRY_MS + 2 * slackMs, intervalMs: 100, context: logs });
  const seconds = (leading.get(to)! - killedAt) / 1000;
  assert.ok(seconds >= (LEASE_MS - RETRY_MS) / 1000 - 1, `took over after ${seconds} s, before the lease could have expired`);
  assert.ok(seconds <= (LEASE_MS + 2 * RETRY_MS + slackMs) / 1000, `took over after ${seconds} s: more than a lease duration and two tries`);
  assert.equal(await holder(lease), to);
  return seconds;
}

/** The holder starts first; the standby joins with its clock `standbySkewMs` off the holder's. */
async function holderThenStandby(lease: string, holderSkewMs: number, standbySkewMs: number): Promise<number> {
  start(lease, `${lease}-holder`, holderSkewMs);
  await eventually('the first candidate leads', async () => leading.has(`${lease}-holder`), { timeoutMs: 20_000, intervalMs: 100, context: logs });
  start(lease, `${lease}-standby`, standbySkewMs);
  // Five renew periods with both running: a standby judging by the holder's renewTime would act here.
  await onlyLeader(lease, `${lease}-holder`, 5 * RETRY_MS);
  const seconds = await failover(lease, `${lease}-holder`, `${lease}-standby`);
  await onlyLeader(lease, `${lease}-standby`, 2 * RETRY_MS);
  assert.deepEqual(overlaps, [], 'never two leaders');
  return seconds;
}

describe('leader election judges expiry by locally observed time', () => {
  test('a standby whose clock is two minutes ahead never takes a live lease; it takes a dead one after a lease duration', async (t) => {
    t.diagnostic(`failover ${await holderThenStandby('ahead', -MINUTE, +MINUTE)} s after the kill`);
  });

  test('a standby whose clock is two minutes behind takes a dead holder\'s lease after a lease duration, not two minutes more', async (t) => {
    t.diagnostic(`failover ${await holderThenStandby('behind', +MINUTE, -MINUTE)} s after the kill`);
  });
});
