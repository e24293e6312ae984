/**
 * The operator end to end: a real API server (the shared test control plane), a real
 * registry over HTTPS, the operator process, and the go command using the Secrets it
 * writes. Each test drives the cluster with kubectl and asserts end state.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { curl } from '../support/curl.js';
import { freePort } from '../support/free-port.js';
import { goClient } from '../support/go-client.js';
import { makeModuleZip } from '../support/module-zips.js';
import { tempDir } from '../support/paths.js';
import { startOperatorProcess, type OperatorProcess } from '../support/operator-process.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';
import { startStaticGoproxy, type StaticGoproxy } from '../support/static-goproxy.js';
import { createTestCa, type TestCa } from '../support/test-ca.js';
import { installCrd } from './crd-install.js';
import { sharedCluster, type SharedCluster } from './cluster.js';
import { eventually as poll } from '../support/eventually.js';
import { writeWitness, writesBetween, type WriteWitness } from './write-witness.js';
import { isReady, kubectlOk } from './kubectl.js';

const ADMIN = 'operator-e2e-admin-token-0123456789';
let cluster: SharedCluster;
let ns: string;
let root: string;
let cleanup: () => Promise<void>;
let ca: TestCa;
let registry: RegistryProcess;
let registryEnv: Record<string, string>;
let operator: OperatorProcess;
/** The registry's upstream: a local GOPROXY with one public module, for owners with spec.upstream. */
let upstream: StaticGoproxy;
/** Counts, on the API server, every write of the operator (it runs as the witness's ServiceAccount). */
let witness: WriteWitness;

const kubectl = (args: string[], input?: string) => kubectlOk(cluster, ns)(args, input);
const admin = (method: string, p: string) =>
  curl(['--cacert', ca.caFile, '-X', method, '-H', `Authorization: Bearer ${ADMIN}`, `${registry.url}/api/admin${p}`]);

const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 45_000) =>
  poll(what, probe, { timeoutMs, context: () => `operator log tail:\n${operator?.logs.slice(-15).join('\n')}` });

interface Gpo {
  metadata: { generation: number; resourceVersion: string; finalizers?: string[] };
  status?: { observedGeneration?: number; conditions?: { type: string; status: string; reason: string; message: string }[]; tokens?: { name: string; secretName: string }[] };
}
const getGpo = async (name: string) => {
  const r = await cluster.kubectl(['-n', ns, 'get', 'gpo', name, '-o', 'json']);
  return r.code === 0 ? (JSON.parse(r.stdout) as Gpo) : undefined;
};
const condition = (g: Gpo | undefined, type: string) => g?.status?.conditions?.find((c) => c.type === type);
const ready = (name: string) =>
  eventually(`${name} Ready`, async () => {
    const g = await getGpo(name);
    return isReady(g) ? g : undefined;
  });
const secretData = async (name: string) => {
  const s = JSON.parse(await kubectl(['get', 'secret', name, '-o', 'json'])) as { data: Record<string, string>; metadata: { ownerReferences?: { kind: string; controller: boolean }[]; resourceVersion: string } };
  return { ...s, values: Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()])) };
};
const registryOwner = async (owner: string) => {
  const r = await admin('GET', `/owners/${owner}`);
  return r.status === 200 ? (JSON.parse(r.body) as { visibility: string; managedBy?: string; claims?: string[]; upstream?: boolean; tokens: { name: string }[] }) : undefined;
};
const gpo = (name: string, spec: string) =>
  `apiVersion: goregistry.dev/v1alpha1\nkind: GoPackageOwner\nmetadata:\n  name: ${name}\nspec:\n${spec.replace(/^/gm, '  ')}\n`;

const startRegistry = () => startRegistryProcess(registryEnv);

before(async () => {
  cluster = await sharedCluster();
  await installCrd(cluster);
  ns = await cluster.namespace('operator');
  ({ dir: root, remove: cleanup } = await tempDir('operator'));
  ca = await createTestCa(root);
  const cert = await ca.issue('registry');
  upstream = await startStaticGoproxy(root);
  await upstream.add({ path: 'public.example/dep', version: 'v1.2.0', files: { 'go.mod': 'module public.example/dep\n', 'dep.go': 'package dep\n' } });
  registryEnv = {
    DATA_DIR: path.join(root, 'data'), REGISTRY_ADMIN_TOKEN: ADMIN, TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.keyFile, PORT: String(await freePort()),
    UPSTREAM_GOPROXY: upstream.url, UPSTREAM_SUMDB: 'off',
  };
  registry = await startRegistry();
  witness = await writeWitness(cluster, ns, root);
  operator = await startOperatorProcess({
    KUBECONFIG: witness.kubeconfig,
    WATCH_NAMESPACE: ns,
    LEASE_NAMESPACE: ns,
    POD_NAME: 'operator-a',
    REGISTRY_URL: registry.url,
    REGISTRY_CA_FILE: ca.caFile,
    REGISTRY_ADMIN_TOKEN: ADMIN,
    // A short resync, so drift only the registry can see (a restored database) is found quickly,
    // and a window of a few seconds at rest holds several reconciles.
    RESYNC_PERIOD: '3s',
  });
}, { timeout: 60 * 60 * 1000 });

after(async () => {
  await operator?.stop();
  await registry?.stop();
  await upstream?.stop();
  await witness?.remove();
  await cleanup?.();
  await cluster?.release();
});

describe('GoPackageOwner operator', () => {
  test('apply → Ready, owner in the registry, Secrets that let curl publish and go download', async () => {
    await kubectl(['apply', '-f', '-'], gpo('acme', 'visibility: private\ntokens:\n- {name: ci, scopes: [read]}\n- {name: publisher, scopes: [read, write]}'));
    const g = await ready('acme');
    assert.deepEqual(g.metadata.finalizers, ['goregistry.dev/cleanup']);
    const owner = await registryOwner('acme');
    assert.equal(owner?.visibility, 'private');
    assert.deepEqual(owner?.tokens.map((t) => t.name).sort(), ['ci', 'publisher']);

    const pub = await secretData('acme-publisher');
    assert.equal(pub.metadata.ownerReferences?.[0]?.kind, 'GoPackageOwner');
    assert.equal(pub.metadata.ownerReferences?.[0]?.controller, true);
    assert.equal(pub.values.GOPROXY, `${registry.url}/api/packages/acme/go`);
    assert.equal(pub.values['ca.crt'], await readFile(ca.caFile, 'utf8'));
    const zip = await makeModuleZip(root, 'acme.example.com/lib', 'v1.0.0', { 'go.mod': 'module acme.example.com/lib\n\ngo 1.21\n', 'lib.go': 'package lib\n' });
    const up = await curl(['--cacert', ca.caFile, '--user', `${pub.values.username}:${pub.values.token}`, '--upload-file', zip, `${registry.url}/api/packages/acme/go/upload`]);
    assert.equal(up.status, 201, up.body);

    const events = await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=acme', '-o', 'jsonpath={.items[*].reason}']);
    for (const reason of ['OwnerCreated', 'TokenIssued', 'SecretWritten']) assert.match(events, new RegExp(reason));

    const ci = await secretData('acme-ci');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'go-registry-pod-'));
    await writeFile(path.join(dir, 'netrc'), ci.values['.netrc']!, { mode: 0o600 });
    await writeFile(path.join(dir, 'ca.crt'), ci.values['ca.crt']!);
    const go = await goClient(path.join(root, 'go-ci'), ci.values.GOPROXY!);
    const out = await go.go(['mod', 'download', '-json', 'acme.example.com/lib@latest'], { env: { NETRC: path.join(dir, 'netrc'), SSL_CERT_FILE: path.join(dir, 'ca.crt') } });
    assert.equal((JSON.parse(out.stdout) as { Version: string }).Version, 'v1.0.0');
  });

  test('at rest the operator writes nothing over several resyncs, counted by the API server; a repair is counted', async (t) => {
    // Control: a deleted Secret makes the operator write (the Secret, the status), and the witness sees it.
    const beforeRepair = await witness.counts();
    await kubectl(['delete', 'secret', 'acme-ci']);
    await eventually('the repair counted by the API server', async () => {
      const w = writesBetween(beforeRepair, await witness.counts());
      return w.secrets >= 1 && w.gopackageowners >= 1;
    });
    // Settle: two more reconciles (the new Secret's own event, a resync) before the window opens.
    const settled = (await operator.reconciles()) + 2;
    await eventually('two reconciles after the repair', async () => (await operator.reconciles()) >= settled);

    // At rest: a window of at least three resync periods (3 s), each of which reconciles acme again.
    const [w0, r0, opened] = [await witness.counts(), await operator.reconciles(), Date.now()];
    await eventually('three resyncs', async () => Date.now() - opened >= 10_000 && (await operator.reconciles()) - r0 >= 3, 40_000);
    const writes = writesBetween(w0, await witness.counts());
    const reconciles = (await operator.reconciles()) - r0;
    assert.ok(writes.leases >= 3, `the witness counts this account's writes: ${writes.leases} Lease renewals in the window`);
    assert.deepEqual({ ...writes, leases: 0 }, { leases: 0, gopackageowners: 0, secrets: 0, other: 0 }, `writes during ${reconciles} reconciles at rest`);
    t.diagnostic(`at rest: ${reconciles} reconciles in ${Math.round((Date.now() - opened) / 1000)} s, ${writes.leases} Lease renewals, no other write`);
  });

  test('visibility changes follow; removed tokens are revoked with their Secrets; added ones appear', async () => {
    await kubectl(['apply', '-f', '-'], gpo('acme', 'visibility: limited\ntokens:\n- {name: ci, scopes: [read]}\n- {name: deploy, scopes: [read]}'));
    await ready('acme');
    await eventually('visibility limited', async () => (await registryOwner('acme'))?.visibility === 'limited');
    const tokens = (await registryOwner('acme'))!.tokens.map((t) => t.name).sort();
    assert.deepEqual(tokens, ['ci', 'deploy']);
    assert.notEqual((await cluster.kubectl(['-n', ns, 'get', 'secret', 'acme-publisher'])).code, 0, 'the removed token\'s Secret is gone');
    assert.ok((await secretData('acme-deploy')).values.token?.startsWith('gor_'));
  });

  test('a deleted or edited Secret is repaired', async () => {
    const before = await secretData('acme-ci');
    await kubectl(['delete', 'secret', 'acme-ci']);
    const recreated = await eventually('Secret recreated', async () => {
      const r = await cluster.kubectl(['-n', ns, 'get', 'secret', 'acme-ci']);
      return r.code === 0 ? secretData('acme-ci') : undefined;
    });
    assert.notEqual(recreated.values.token, before.values.token, 'a new token was issued');
    const ok = await curl(['--cacert', ca.caFile, '-H', `Authorization: Bearer ${recreated.values.token}`, `${registry.url}/api/packages/acme/go/acme.example.com/lib/@v/list`]);
    assert.equal(ok.status, 200);
    await kubectl(['patch', 'secret', 'acme-ci', '--type=merge', '-p', JSON.stringify({ data: { '.netrc': Buffer.from('garbage').toString('base64') } })]);
    await eventually('Secret repaired', async () => (await secretData('acme-ci')).values['.netrc']?.includes(recreated.values.token!));
    assert.equal((await secretData('acme-ci')).values.token, recreated.values.token, 'the token itself was kept');
  });

  test('a token the registry lost (a restored database) is re-registered from its Secret', async () => {
    const { token } = (await secretData('acme-ci')).values;
    const probe = () => curl(['--cacert', ca.caFile, '-H', `Authorization: Bearer ${token}`, `${registry.url}/api/packages/acme/go/acme.example.com/lib/@v/list`]);
    assert.equal((await admin('DELETE', '/owners/acme/tokens/ci')).status, 204);
    assert.equal((await probe()).status, 401);
    await eventually('token re-registered', async () => (await probe()).status === 200);
    assert.equal((await secretData('acme-ci')).values.token, token, 'the same value, from the Secret');
  });

  test('a second resource claiming the same owner gets OwnerConflict and changes nothing', async () => {
    await kubectl(['apply', '-f', '-'], gpo('acme-copy', 'owner: acme\nvisibility: public'));
    await eventually('OwnerConflict', async () => condition(await getGpo('acme-copy'), 'Ready')?.reason === 'OwnerConflict');
    assert.equal((await registryOwner('acme'))?.visibility, 'limited');
    await kubectl(['delete', 'gpo', 'acme-copy']);
    await eventually('conflicting resource deleted', async () => (await getGpo('acme-copy')) === undefined);
    assert.ok(await registryOwner('acme'), 'deleting the loser does not touch the owner');
  });

  test('registry down → RegistryUnavailable; back up → Ready again', async () => {
    await registry.stop();
    await kubectl(['apply', '-f', '-'], gpo('acme', 'visibility: public\ntokens:\n- {name: ci, scopes: [read]}\n- {name: deploy, scopes: [read]}'));
    await eventually('RegistryUnavailable', async () => condition(await getGpo('acme'), 'Ready')?.reason === 'RegistryUnavailable');
    registry = await startRegistry();
    await ready('acme');
    assert.equal((await registryOwner('acme'))?.visibility, 'public');
  });

  test('deletion with Retain keeps the owner and its modules, revokes tokens, releases the claim', async () => {
    const ci = (await secretData('acme-ci')).values.token!;
    await kubectl(['delete', 'gpo', 'acme', '--wait=true', '--timeout=60s']);
    const owner = await registryOwner('acme');
    assert.ok(owner, 'owner kept');
    assert.deepEqual(owner.tokens, []);
    assert.equal(owner.managedBy, undefined, 'another resource may manage it now');
    const list = await curl(['--cacert', ca.caFile, `${registry.url}/api/packages/acme/go/acme.example.com/lib/@v/list`]);
    assert.equal(list.body, 'v1.0.0\n', 'modules kept');
    const revoked = await curl(['--cacert', ca.caFile, '-H', `Authorization: Bearer ${ci}`, `${registry.url}/api/packages/acme/go/acme.example.com/lib/@v/list`]);
    assert.equal(revoked.status, 401);
  });

  test('deletion with Delete removes the owner and its modules', async () => {
    await kubectl(['apply', '-f', '-'], gpo('doomed', 'visibility: public\ndeletionPolicy: Delete\ntokens:\n- {name: w, scopes: [write]}'));
    await ready('doomed');
    const w = (await secretData('doomed-w')).values;
    const zip = await makeModuleZip(root, 'doomed.example.com/m', 'v1.0.0');
    assert.equal((await curl(['--cacert', ca.caFile, '--user', `x:${w.token}`, '--upload-file', zip, `${registry.url}/api/packages/doomed/go/upload`])).status, 201);
    await kubectl(['delete', 'gpo', 'doomed', '--wait=true', '--timeout=60s']);
    assert.equal(await registryOwner('doomed'), undefined);
  });

  test('claims and upstream reach the registry; an overlapping claim is ClaimConflict until the holder drops it; Secrets follow', async () => {
    await kubectl(['apply', '-f', '-'], gpo('holder', 'deletionPolicy: Delete\nclaims: [corp.example/shared, corp.example/payments]\nupstream: true\ntokens:\n- {name: ci, scopes: [read]}'));
    await ready('holder');
    const owner = await registryOwner('holder');
    assert.deepEqual([owner?.claims, owner?.upstream], [['corp.example/payments', 'corp.example/shared'], true]);
    const ci = await secretData('holder-ci');
    // The registry has its own checksum database: the Secret points go at it, and exempts nothing.
    assert.equal(ci.values.GONOSUMDB, undefined);
    const verifierKey = (await curl(['--cacert', ca.caFile, `${registry.url}/api/sumdb/key`])).body.trim();
    assert.equal(ci.values.GOSUMDB, `${verifierKey} ${registry.url}/sumdb/go-registry`);
    assert.equal(ci.values.GOPROXY, `${registry.url}/api/packages/holder/go`);
    // With upstream on, the Secret's GOPROXY (with its token) serves public modules too; a claimed miss stops go's chain (403).
    const viaSecret = (p: string) => curl(['--cacert', ca.caFile, '-H', `Authorization: Bearer ${ci.values.token}`, `${ci.values.GOPROXY}/${p}`]);
    const listed = await viaSecret('public.example/dep/@v/list');
    assert.deepEqual([listed.status, listed.body], [200, 'v1.2.0\n']);
    assert.equal((await viaSecret('corp.example/shared/none/@v/list')).status, 403);

    await kubectl(['apply', '-f', '-'], gpo('wants', 'deletionPolicy: Delete\nclaims: [corp.example/shared/tools]\ntokens:\n- {name: ci, scopes: [read]}'));
    const waiting = await eventually('ClaimConflict', async () => {
      const c = condition(await getGpo('wants'), 'Ready');
      return c?.reason === 'ClaimConflict' ? c : undefined;
    });
    assert.equal(waiting.status, 'False');
    assert.match(waiting.message, /claim "corp.example\/shared\/tools" overlaps "corp.example\/shared", claimed by owner holder/);
    assert.equal(await registryOwner('wants'), undefined, 'the registry took nothing');
    const events = await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=wants', '-o', 'jsonpath={.items[*].reason}']);
    assert.match(events, /ClaimConflict/);

    // The holder lets go of the prefix and turns the fall-through off.
    await kubectl(['apply', '-f', '-'], gpo('holder', 'deletionPolicy: Delete\nclaims: [corp.example/payments]\nupstream: false\ntokens:\n- {name: ci, scopes: [read]}'));
    await ready('wants');
    assert.deepEqual((await registryOwner('wants'))?.claims, ['corp.example/shared/tools']);
    assert.equal((await secretData('wants-ci')).values.GOSUMDB, ci.values.GOSUMDB);
    assert.deepEqual([(await registryOwner('holder'))?.upstream, (await secretData('holder-ci')).values.GOPROXY], [false, `${registry.url}/api/packages/holder/go`]);
    assert.equal((await viaSecret('public.example/dep/@v/list')).status, 404, 'upstream off: the owner\'s endpoint serves its own modules only');

    await kubectl(['delete', 'gpo', 'holder', 'wants', '--wait=true', '--timeout=60s']);
  });

  test('metrics use controller-runtime names', async () => {
    const text = await (await fetch(operator.metricsUrl)).text();
    assert.match(text, /controller_runtime_reconcile_total\{controller="gopackageowner",result="success"\} \d+/);
    assert.match(text, /workqueue_adds_total\{name="gopackageowner"\} \d+/);
    assert.match(text, /leader_election_master_status\{name="go-registry-operator"\} 1/);
  });
});
