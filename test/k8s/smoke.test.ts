/**
 * Smoke test of the built control plane: the server behaviour the operator and the
 * chart will rely on — version, CRUD, CRD schema validation, garbage collection,
 * RBAC, service accounts, namespace deletion — and helm against it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { startCluster, type Cluster } from './cluster.js';
import { HELM_VERSION, KUBERNETES_VERSION } from './versions.js';
import { eventually as poll } from '../support/eventually.js';
import { isAlive } from '../support/child-processes.js';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
}, { timeout: 60 * 60 * 1000 }); // the first run builds the control plane
after(async () => {
  const pids = cluster?.pids ?? [];
  await cluster?.stop();
  const alive = pids.filter(isAlive);
  assert.deepEqual(alive, [], 'stop() leaves no control-plane process behind');
});

const ok = async (args: string[], input?: string) => {
  const r = await cluster.kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

const eventually = (what: string, check: () => Promise<boolean>, timeoutMs = 60_000) => poll(what, check, { timeoutMs });

const CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.smoke.goregistry.dev}
spec:
  group: smoke.goregistry.dev
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1}
`;

describe('control plane smoke test', () => {
  test('server and client report the pinned version', async () => {
    const version = JSON.parse(await ok(['version', '-o', 'json'])) as { serverVersion: { gitVersion: string }; clientVersion: { gitVersion: string } };
    assert.equal(version.serverVersion.gitVersion, KUBERNETES_VERSION);
    assert.equal(version.clientVersion.gitVersion, KUBERNETES_VERSION);
  });

  test('namespaces and ConfigMaps', async () => {
    await ok(['create', 'namespace', 'smoke']);
    await ok(['-n', 'smoke', 'create', 'configmap', 'greeting', '--from-literal=hello=world']);
    assert.equal(await ok(['-n', 'smoke', 'get', 'configmap', 'greeting', '-o', 'jsonpath={.data.hello}']), 'world');
  });

  test('a CRD becomes Established and its schema refuses invalid objects', async () => {
    await ok(['apply', '-f', '-'], CRD);
    await ok(['wait', '--for=condition=Established', '--timeout=60s', 'crd/widgets.smoke.goregistry.dev']);
    await ok(['-n', 'smoke', 'apply', '-f', '-'], 'apiVersion: smoke.goregistry.dev/v1\nkind: Widget\nmetadata: {name: good}\nspec: {size: 3}\n');
    const bad = await cluster.kubectl(['-n', 'smoke', 'apply', '-f', '-'], 'apiVersion: smoke.goregistry.dev/v1\nkind: Widget\nmetadata: {name: bad}\nspec: {size: 0}\n');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /spec\.size.*should be greater than or equal to 1|Invalid value/);
  });

  test('the garbage collector deletes dependents of a deleted owner', async () => {
    await ok(['-n', 'smoke', 'create', 'configmap', 'owner']);
    const uid = await ok(['-n', 'smoke', 'get', 'configmap', 'owner', '-o', 'jsonpath={.metadata.uid}']);
    await ok(['-n', 'smoke', 'apply', '-f', '-'],
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dependent\n  ownerReferences:\n  - {apiVersion: v1, kind: ConfigMap, name: owner, uid: ${uid}}\n`);
    await ok(['-n', 'smoke', 'delete', 'configmap', 'owner']);
    await eventually('garbage collection', async () => (await cluster.kubectl(['-n', 'smoke', 'get', 'configmap', 'dependent'])).code !== 0);
  });

  test('service accounts: created by the controller, tokens issued, refused without RBAC', async () => {
    await eventually('the default ServiceAccount', async () => (await cluster.kubectl(['-n', 'smoke', 'get', 'serviceaccount', 'default'])).code === 0);
    await ok(['-n', 'smoke', 'create', 'serviceaccount', 'robot']);
    assert.match(await ok(['-n', 'smoke', 'create', 'token', 'robot']), /^ey/);
    const denied = await cluster.kubectl(['auth', 'can-i', 'list', 'secrets', '-n', 'smoke', '--as=system:serviceaccount:smoke:robot']);
    assert.equal(denied.stdout.trim(), 'no');
    await ok(['-n', 'smoke', 'create', 'role', 'read-secrets', '--verb=list', '--resource=secrets']);
    await ok(['-n', 'smoke', 'create', 'rolebinding', 'robot', '--role=read-secrets', '--serviceaccount=smoke:robot']);
    await eventually('RBAC grant', async () => (await cluster.kubectl(['auth', 'can-i', 'list', 'secrets', '-n', 'smoke', '--as=system:serviceaccount:smoke:robot'])).stdout.trim() === 'yes');
  });

  test('namespace deletion finishes', async () => {
    await ok(['create', 'namespace', 'doomed']);
    await ok(['-n', 'doomed', 'create', 'configmap', 'x']);
    await ok(['delete', 'namespace', 'doomed', '--wait=false']);
    await eventually('namespace deletion', async () => (await cluster.kubectl(['get', 'namespace', 'doomed'])).code !== 0);
  });

  test('helm works against the cluster', async () => {
    const run = promisify(execFile);
    const { stdout } = await run(cluster.helmPath, ['version', '--short']);
    assert.ok(stdout.startsWith(HELM_VERSION), stdout);
    const list = await run(cluster.helmPath, ['list', '--all-namespaces', '--kubeconfig', cluster.kubeconfig, '-o', 'json']);
    assert.deepEqual(JSON.parse(list.stdout), []);
  });
});
