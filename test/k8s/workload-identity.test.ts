/**
 * Workload identity on the real control plane: the API server is the OIDC issuer; the
 * registry verifies ServiceAccount tokens against its published keys and asks it
 * (TokenReview) whether they still stand; the operator, with no admin token at all, uses
 * its own ServiceAccount token (an admin ServiceAccount) and keeps the registry's grants
 * equal to spec.access; and `go mod download` of a private module runs as a ServiceAccount
 * through GOAUTH='go-registry goauth' with its token file: no Secret, no .netrc.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, decodeJwt, importPKCS8, jwtVerify, SignJWT, type JSONWebKeySet, type JWTPayload } from 'jose';
import { curl } from '../support/curl.js';
import { eventually as poll } from '../support/eventually.js';
import { goClient } from '../support/go-client.js';
import { makeModuleZip } from '../support/module-zips.js';
import { startOidcIssuer, signWith, type TestOidcIssuer } from '../support/oidc-issuer.js';
import { startOperatorProcess, type OperatorProcess } from '../support/operator-process.js';
import { REPO_ROOT, tempDir } from '../support/paths.js';
import { startRegistryProcess, type RegistryProcess } from '../support/registry-process.js';
import { createTestCa, type TestCa } from '../support/test-ca.js';
import { serviceAccountSigningKey, sharedCluster, type SharedCluster } from './cluster.js';
import { installCrd } from './crd-install.js';
import { isReady, kubectlOk } from './kubectl.js';
import { accountKubeconfig } from './write-witness.js';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
let cluster: SharedCluster;
let ns: string;
let root: string;
let cleanup: () => Promise<void>;
let ca: TestCa;
let registry: RegistryProcess;
let operator: OperatorProcess;
let stranger: TestOidcIssuer;
let binding: string;
/** The operator's projected token stand-in: audience go-registry, in a file. */
let operatorTokenFile: string;

const kubectl = (args: string[], input?: string) => kubectlOk(cluster, ns)(args, input);
const saToken = async (name: string, audience = 'go-registry') => (await kubectl(['create', 'token', name, `--audience=${audience}`])).trim();
const eventually = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 45_000) =>
  poll(what, probe, { timeoutMs, context: () => `operator log tail:\n${operator?.logs.slice(-10).join('\n')}\nregistry log tail:\n${registry?.logs.slice(-5).join('\n')}` });
const read = (owner: string, token: string) =>
  curl(['--cacert', ca.caFile, '-H', `Authorization: Bearer ${token}`, `${registry.url}/api/packages/${owner}/go/acme.example.com/lib/@v/list`]);
const asOperator = async (method: string, p: string) =>
  curl(['--cacert', ca.caFile, '-X', method, '-H', `Authorization: Bearer ${(await readFile(operatorTokenFile, 'utf8')).trim()}`, `${registry.url}/api/admin${p}`]);
const gpo = (name: string, spec: string) => `apiVersion: goregistry.dev/v1alpha1\nkind: GoPackageOwner\nmetadata:\n  name: ${name}\nspec:\n${spec.replace(/^/gm, '  ')}\n`;
const ready = (name: string) => eventually(`${name} Ready`, async () => {
  const r = await cluster.kubectl(['-n', ns, 'get', 'gpo', name, '-o', 'json']);
  const g = r.code === 0 ? (JSON.parse(r.stdout) as Parameters<typeof isReady>[0] & { status?: { grants?: string[] } }) : undefined;
  return isReady(g) ? g : undefined;
});
const grantNames = async (owner: string) => {
  const r = await asOperator('GET', `/owners/${owner}/grants`);
  return r.status === 200 ? (JSON.parse(r.body) as { name: string }[]).map((g) => g.name).sort() : undefined;
};

before(async () => {
  cluster = await sharedCluster();
  await installCrd(cluster);
  ns = await cluster.namespace('identity');
  ({ dir: root, remove: cleanup } = await tempDir('identity-k8s'));
  ca = await createTestCa(root);
  const cert = await ca.issue('registry');
  // What a Pod's ServiceAccount mount holds: the cluster CA (kube-root-ca.crt) and a token of the registry's account.
  const clusterCa = await eventually('kube-root-ca.crt published', async () => (await kubectl(['get', 'configmap', 'kube-root-ca.crt', '-o', 'jsonpath={.data.ca\\.crt}']).catch(() => '')) || undefined);
  const mount = path.join(root, 'serviceaccount');
  await mkdir(mount, { recursive: true });
  await writeFile(path.join(mount, 'ca.crt'), clusterCa);
  for (const sa of ['go-registry', 'operator', 'app', 'app2', 'doomed', 'outsider']) await kubectl(['create', 'serviceaccount', sa]);
  binding = `go-registry-auth-delegator-${ns}`;
  await kubectl(['create', 'clusterrolebinding', binding, '--clusterrole=system:auth-delegator', `--serviceaccount=${ns}:go-registry`]);
  await writeFile(path.join(mount, 'token'), await kubectl(['create', 'token', 'go-registry']), { mode: 0o600 });
  registry = await startRegistryProcess({
    DATA_DIR: path.join(root, 'data'), TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.keyFile,
    OIDC_ISSUERS: JSON.stringify([{
      issuer: ISSUER, kind: 'kubernetes', audience: 'go-registry', url: cluster.server,
      caFile: path.join(mount, 'ca.crt'), tokenFile: path.join(mount, 'token'), reviewCacheSeconds: 2,
    }]),
    ADMIN_SERVICE_ACCOUNTS: `${ns}/operator`,
  });
  await kubectl(['create', 'rolebinding', 'operator', '--clusterrole=cluster-admin', `--serviceaccount=${ns}:operator`]);
  const kubeconfig = path.join(root, 'operator.kubeconfig');
  await writeFile(kubeconfig, await accountKubeconfig(cluster, await kubectl(['create', 'token', 'operator', '--duration=2h'])), { mode: 0o600 });
  operatorTokenFile = path.join(root, 'operator-token');
  await writeFile(operatorTokenFile, await saToken('operator'), { mode: 0o600 });
  operator = await startOperatorProcess({
    KUBECONFIG: kubeconfig, WATCH_NAMESPACE: ns, LEASE_NAMESPACE: ns, POD_NAME: 'operator-identity',
    REGISTRY_URL: registry.url, REGISTRY_CA_FILE: ca.caFile, REGISTRY_SERVICE_ACCOUNT_TOKEN_FILE: operatorTokenFile, RESYNC_PERIOD: '3s',
  });
  stranger = await startOidcIssuer();
  await kubectl(['apply', '-f', '-'], [
    gpo('granted', 'visibility: private\naccess:\n- {name: app, scopes: [read], serviceAccount: {name: app}}\n- {name: doomed, scopes: [read], serviceAccount: {name: doomed}}'),
    gpo('closed', 'visibility: private'),
  ].join('---\n'));
  await ready('granted');
  await ready('closed');
  for (const owner of ['granted', 'closed']) {
    const zip = await makeModuleZip(root, 'acme.example.com/lib', 'v1.0.0', { 'go.mod': 'module acme.example.com/lib\n\ngo 1.21\n', 'lib.go': 'package lib\n' });
    const up = await curl(['--cacert', ca.caFile, '-H', `Authorization: Bearer ${await saToken('operator')}`, '--upload-file', zip, `${registry.url}/api/packages/${owner}/go/upload`]);
    assert.equal(up.status, 201, up.body);
  }
}, { timeout: 10 * 60_000 });

after(async () => {
  await operator?.stop();
  await registry?.stop();
  await stranger?.stop();
  if (binding) await cluster?.kubectl(['delete', 'clusterrolebinding', binding, '--ignore-not-found']);
  await cleanup?.();
  await cluster?.release();
});

describe('ServiceAccount tokens on the real API server', () => {
  test('the operator runs with no admin token: its own ServiceAccount token is the admin', async () => {
    const started = operator.logs.map((l) => JSON.parse(l) as { msg?: string; credential?: string }).find((l) => l.msg === 'operator started');
    assert.equal(started?.credential, 'service-account-token');
    assert.deepEqual(await grantNames('granted'), ['app', 'doomed'], 'the grants it made through the admin API');
    assert.ok(registry.logs.some((l) => l.includes('no admin token: the admin is these ServiceAccounts')), 'the registry has no admin token either');
    assert.equal(existsSync(path.join(root, 'data', 'admin-token')), false);
    const metrics = (await curl(['--cacert', ca.caFile, `${registry.url}/metrics`])).body;
    assert.match(metrics, /goregistry_authentications_total\{credential="kubernetes",result="accepted"\} [1-9]/);
    assert.doesNotMatch(metrics, /credential="admin"/, 'the admin token was never presented');
    const notAdmin = await curl(['--cacert', ca.caFile, '-H', `Authorization: Bearer ${await saToken('app')}`, `${registry.url}/api/admin/owners`]);
    assert.equal(notAdmin.status, 403, 'another ServiceAccount is not the admin');
  });

  test('a token of audience go-registry reads the owner that grants it; another owner answers like a missing one', async () => {
    const token = await saToken('app');
    const ok = await read('granted', token);
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.body.trim(), 'v1.0.0');
    const closed = await read('closed', token);
    const missing = await read('no-such-owner', token);
    assert.deepEqual([closed.status, closed.body], [missing.status, missing.body]);
    assert.equal(closed.status, 404);
    assert.equal((await read('granted', await saToken('outsider'))).status, 404, 'a ServiceAccount no grant names');
  });

  test('another audience, an expired token of the real issuer, and tokens of another issuer are refused', async () => {
    for (const audience of ['other', ISSUER]) {
      const r = await read('granted', await saToken('app', audience));
      assert.equal(r.status, 401, `${audience}: ${r.body}`);
      assert.match(r.body, /claim aud/);
    }
    // --duration has a floor of 10 minutes: an expired token is minted with the API server's own signing key.
    const key = await importPKCS8(await readFile(serviceAccountSigningKey(cluster.kubeconfig), 'utf8'), 'RS256');
    const jwks = JSON.parse(await kubectl(['get', '--raw', '/openid/v1/jwks'])) as JSONWebKeySet;
    const claims = decodeJwt(await saToken('app'));
    const now = Math.floor(Date.now() / 1000);
    const mint = (over: JWTPayload) => new SignJWT({ ...claims, ...over }).setProtectedHeader({ alg: 'RS256', kid: jwks.keys[0]!.kid! }).sign(key);
    const control = await read('granted', await mint({ iat: now, nbf: now, exp: now + 600 }));
    assert.equal(control.status, 200, `a minted token that is not expired is accepted (the minting is right): ${control.body}`);
    const expired = await read('granted', await mint({ iat: now - 3600, nbf: now - 3600, exp: now - 120 }));
    assert.equal(expired.status, 401);
    assert.match(expired.body, /expired/);
    // Another issuer's key claiming to be the API server, and another issuer under its own name.
    const forged = await read('granted', await signWith(stranger.keys[0]!, { ...claims, iat: now, exp: now + 600 }));
    assert.equal(forged.status, 401);
    assert.match(forged.body, /key the issuer does not publish/);
    const other = await read('granted', await stranger.sign({ ...claims, iss: stranger.url }));
    assert.equal(other.status, 401);
    assert.match(other.body, /issuer/);
  });

  test("a token whose ServiceAccount was deleted is refused, though its signature still verifies", async () => {
    const token = await saToken('doomed');
    assert.equal((await read('granted', token)).status, 200);
    await kubectl(['delete', 'serviceaccount', 'doomed']);
    // Refused within the TokenReview cache time (2 s here, at most 30 s).
    const refused = await eventually('the deleted ServiceAccount refused', async () => {
      const r = await read('granted', token);
      return r.status === 401 ? r : undefined;
    }, 15_000);
    assert.match(refused.body, /no longer accepts it/);
    const jwks = JSON.parse(await kubectl(['get', '--raw', '/openid/v1/jwks'])) as JSONWebKeySet;
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: ISSUER, audience: 'go-registry' });
    assert.equal(payload.sub, `system:serviceaccount:${ns}:doomed`, 'witness: signature, issuer, audience and expiry are all still valid');
  });

  test('go mod download of a private module as a ServiceAccount, through GOAUTH with its token file: no Secret, no .netrc', async () => {
    const bin = path.join(root, 'bin');
    await mkdir(bin, { recursive: true });
    await writeFile(path.join(bin, 'go-registry'), `#!/bin/sh\nexec node ${path.join(REPO_ROOT, 'dist', 'cli', 'main.js')} "$@"\n`);
    await chmod(path.join(bin, 'go-registry'), 0o755);
    const tokenFile = path.join(root, 'app-token');
    await writeFile(tokenFile, await saToken('app'), { mode: 0o600 });
    const endpoint = `${registry.url}/api/packages/granted/go`;
    const go = await goClient(path.join(root, 'go-app'), endpoint);
    const env = {
      PATH: `${bin}:${process.env.PATH}`, GOAUTH: 'go-registry goauth', GOREGISTRY_URL: endpoint, GOREGISTRY_TOKEN_FILE: tokenFile,
      NETRC: path.join(root, 'no-netrc'), GOREGISTRY_CONFIG: path.join(root, 'no-credentials.json'), SSL_CERT_FILE: ca.caFile,
    };
    const out = await go.go(['mod', 'download', '-json', 'acme.example.com/lib@v1.0.0'], { env });
    assert.equal((JSON.parse(out.stdout) as { Version: string }).Version, 'v1.0.0');
    // Control: the same download with a token of a ServiceAccount no grant names fails.
    await writeFile(tokenFile, await saToken('outsider'));
    const outsider = await goClient(path.join(root, 'go-outsider'), endpoint);
    await assert.rejects(outsider.go(['mod', 'download', 'acme.example.com/lib@v1.0.0'], { env }), /404 Not Found/);
  });

  test("the operator's grants follow kubectl apply of a changed access", async () => {
    await kubectl(['apply', '-f', '-'], gpo('granted', 'visibility: private\naccess:\n- {name: app2, scopes: [read, write], serviceAccount: {name: app2}}'));
    await eventually('grants follow spec.access', async () => JSON.stringify(await grantNames('granted')) === '["app2"]');
    const g = await ready('granted');
    assert.deepEqual(g.status?.grants, ['app2']);
    assert.equal((await read('granted', await saToken('app'))).status, 404, 'the removed grant: app sees nothing');
    assert.equal((await read('granted', await saToken('app2'))).status, 200);
    const zip = await makeModuleZip(root, 'acme.example.com/lib', 'v1.1.0', { 'go.mod': 'module acme.example.com/lib\n\ngo 1.21\n', 'lib.go': 'package lib\n' });
    const up = await curl(['--cacert', ca.caFile, '-H', `Authorization: Bearer ${await saToken('app2')}`, '--upload-file', zip, `${registry.url}/api/packages/granted/go/upload`]);
    assert.equal(up.status, 201, `write scope publishes: ${up.body}`);
    const events = await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=granted', '-o', 'jsonpath={.items[*].reason}']);
    for (const reason of ['GrantCreated', 'GrantRevoked']) assert.match(events, new RegExp(reason));
  });
});
