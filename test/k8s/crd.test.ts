/** The GoPackageOwner CRD on a real API server: schema, defaults, CEL rules, status, columns, explain. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { installCrd } from './crd-install.js';
import { sharedCluster, type SharedCluster } from './cluster.js';

let cluster: SharedCluster;
let ns: string;
before(async () => {
  cluster = await sharedCluster();
  await installCrd(cluster);
  ns = await cluster.namespace('crd');
}, { timeout: 60 * 60 * 1000 });
after(() => cluster?.release());

const resource = (name: string, spec: string) =>
  `apiVersion: goregistry.dev/v1alpha1\nkind: GoPackageOwner\nmetadata:\n  name: ${name}\nspec:\n${spec.replace(/^/gm, '  ')}\n`;
const apply = (yaml: string) => cluster.kubectl(['-n', ns, 'apply', '-f', '-'], yaml);

describe('GoPackageOwner CRD', () => {
  test('a valid resource is accepted and defaulted', async () => {
    const r = await apply(resource('team-a', 'claims: [example.com/team-a, corp.example/a, example.com/team-ab]\ntokens:\n- {name: ci, scopes: [read]}\n- {name: publisher, scopes: [read, write], rotateAfter: 720h}'));
    assert.equal(r.code, 0, r.stderr);
    const spec = JSON.parse((await cluster.kubectl(['-n', ns, 'get', 'gpo', 'team-a', '-o', 'jsonpath={.spec}'])).stdout) as Record<string, unknown>;
    assert.equal(spec.visibility, 'private');
    assert.equal(spec.deletionPolicy, 'Retain');
    assert.equal(spec.upstream, false);
  });

  const refusals: [string, string, string, RegExp][] = [
    ['unknown visibility', 'bad-vis', 'visibility: secret', /visibility.*Unsupported value/],
    ['uppercase owner', 'bad-owner', 'owner: Team', /spec\.owner.*should match/],
    ['unknown scope', 'bad-scope', 'tokens:\n- {name: ci, scopes: [admin]}', /scopes.*Unsupported value/],
    ['duplicate token names', 'dup-token', 'tokens:\n- {name: ci, scopes: [read]}\n- {name: ci, scopes: [write]}', /Duplicate value/],
    ['shared secretName', 'dup-secret', 'tokens:\n- {name: a, scopes: [read], secretName: s}\n- {name: b, scopes: [read], secretName: s}', /each token needs its own secretName/],
    ['rotateAfter under an hour', 'fast-rotate', 'tokens:\n- {name: ci, scopes: [read], rotateAfter: 10m}', /rotateAfter must be at least 1h/],
    ['a claim that is not a module-path prefix', 'bad-claim', 'claims: [acme]', /spec\.claims\[0\].*should match/],
    ['a claim with an empty path element', 'bad-claim-2', 'claims: [example.com//x]', /spec\.claims\[0\].*should match/],
    ['overlapping claims', 'overlap', 'claims: [example.com/a, example.com/a/b]', /claims must not overlap/],
    ['duplicate claims', 'dup-claim', 'claims: [example.com/a, example.com/a]', /Duplicate value/],
    ['a name too long to be an owner', 'x'.repeat(70), 'visibility: public', /set spec\.owner/],
  ];
  for (const [what, name, spec, pattern] of refusals) {
    test(`refuses ${what}`, async () => {
      const r = await apply(resource(name, spec));
      assert.notEqual(r.code, 0, `accepted: ${r.stdout}`);
      assert.match(r.stderr, pattern);
    });
  }

  test('spec.owner is immutable, set or unset', async () => {
    assert.equal((await apply(resource('fixed', 'owner: fixed-owner'))).code, 0);
    const change = await apply(resource('fixed', 'owner: other-owner'));
    assert.match(change.stderr, /spec\.owner is immutable/);
    assert.equal((await apply(resource('implicit', 'visibility: public'))).code, 0);
    const add = await apply(resource('implicit', 'owner: implicit-later'));
    assert.match(add.stderr, /spec\.owner is immutable/);
  });

  test('status is a subresource; printer columns show it', async () => {
    const patch = JSON.stringify({ status: { owner: 'team-a', tokenCount: 2, observedGeneration: 1, conditions: [
      { type: 'Ready', status: 'True', reason: 'Reconciled', message: 'ok', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
    ] } });
    const r = await cluster.kubectl(['-n', ns, 'patch', 'gpo', 'team-a', '--subresource=status', '--type=merge', '-p', patch]);
    assert.equal(r.code, 0, r.stderr);
    const table = (await cluster.kubectl(['-n', ns, 'get', 'gpo', 'team-a'])).stdout;
    assert.match(table, /NAME\s+OWNER\s+VISIBILITY\s+TOKENS\s+READY\s+AGE/);
    assert.match(table, /team-a\s+team-a\s+private\s+2\s+True/);
    // A spec update through the main resource does not touch status.
    const plain = await cluster.kubectl(['-n', ns, 'patch', 'gpo', 'team-a', '--type=merge', '-p', '{"status":{"tokenCount":9}}']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal((await cluster.kubectl(['-n', ns, 'get', 'gpo', 'team-a', '-o', 'jsonpath={.status.tokenCount}'])).stdout, '2');
  });

  test('kubectl explain describes every field', async () => {
    const r = await cluster.kubectl(['explain', 'gopackageowners.spec.tokens.rotateAfter']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Issue a new token after this long/);
    assert.match((await cluster.kubectl(['explain', 'gpo.spec.deletionPolicy'])).stdout, /Retain keeps the owner/);
    assert.match((await cluster.kubectl(['explain', 'gpo.spec.claims'])).stdout, /never\s+asks\s+an\s+upstream\s+proxy/);
  });
});
