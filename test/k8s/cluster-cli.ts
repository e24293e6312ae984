/**
 * `npm run cluster -- up | down | status`: a real control plane for people trying
 * the operator, running in the background until `down`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cacheRoot } from './binaries.js';
import { startCluster } from './cluster.js';
import { isAlive } from '../support/child-processes.js';

const dir = path.join(cacheRoot(), 'cluster');
const stateFile = path.join(cacheRoot(), 'cluster.json');

interface State {
  pids: number[];
  kubeconfig: string;
  kubectl: string;
  helm: string;
  server: string;
}


const readState = (): State | undefined => (existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as State) : undefined);

async function up() {
  const state = readState();
  if (state?.pids.some(isAlive)) {
    console.log(`already running at ${state.server}\nexport KUBECONFIG=${state.kubeconfig}`);
    return;
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const cluster = await startCluster({ detached: true, dir });
  const next: State = { pids: cluster.pids, kubeconfig: cluster.kubeconfig, kubectl: cluster.kubectlPath, helm: cluster.helmPath, server: cluster.server };
  await writeFile(stateFile, JSON.stringify(next, null, 2) + '\n');
  console.log(`cluster up at ${cluster.server} (logs in ${path.join(dir, 'logs')})`);
  console.log(`export KUBECONFIG=${cluster.kubeconfig}`);
  console.log(`kubectl and helm of this cluster: ${path.dirname(cluster.kubectlPath)}`);
}

async function down() {
  const state = readState();
  for (const pid of [...(state?.pids ?? [])].reverse()) if (isAlive(pid)) process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 40 && state?.pids.some(isAlive); i++) await new Promise((r) => setTimeout(r, 250));
  for (const pid of state?.pids ?? []) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  await rm(dir, { recursive: true, force: true });
  await rm(stateFile, { force: true });
  console.log('cluster down');
}

function status() {
  const state = readState();
  const running = state?.pids.filter(isAlive) ?? [];
  if (!state || running.length === 0) {
    console.log('no cluster running (npm run cluster -- up)');
    process.exitCode = 1;
    return;
  }
  console.log(`running at ${state.server}: ${running.length}/${state.pids.length} processes\nexport KUBECONFIG=${state.kubeconfig}`);
}

const command = process.argv[2];
const actions: Record<string, () => unknown> = { up, down, status };
const action = command ? actions[command] : undefined;
if (!action) {
  console.error('usage: npm run cluster -- up | down | status');
  process.exit(2);
}
Promise.resolve(action()).catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
