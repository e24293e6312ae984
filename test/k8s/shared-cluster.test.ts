/** The run-wide shared cluster: suites get namespaces of their own, and releasing it leaves it up for others. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SHARED_CLUSTER_ENV, sharedCluster, type SharedCluster } from './cluster.js';

let cluster: SharedCluster;
before(async () => {
  cluster = await sharedCluster();
}, { timeout: 60 * 60 * 1000 });
after(() => cluster?.release());

test('suites are isolated by namespace', async () => {
  const a = await cluster.namespace('suite-a');
  const b = await cluster.namespace('suite-b');
  assert.notEqual(a, b);
  assert.equal((await cluster.kubectl(['-n', a, 'create', 'configmap', 'only-in-a'])).code, 0);
  assert.notEqual((await cluster.kubectl(['-n', b, 'get', 'configmap', 'only-in-a'])).code, 0);
});

test('release leaves the run\'s shared cluster up, and stops a cluster of the suite\'s own', async () => {
  await cluster.release();
  const r = await cluster.kubectl(['get', '--raw', '/readyz', '--request-timeout=5s']);
  if (process.env[SHARED_CLUSTER_ENV]) assert.equal(r.stdout.trim(), 'ok');
  else assert.notEqual(r.code, 0);
});
