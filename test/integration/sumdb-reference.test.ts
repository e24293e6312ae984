// Our checksum database code against golang.org/x/mod/sumdb (test/sumdb/reference): our verifier
// accepts a real Go checksum database's lookups and tiles, and refuses them tampered, under another
// key, or from a forked log; Go's client accepts a log built and signed by our code.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { lookupPath, SumdbSecurityError, verifyLookup, verifyTree, type SignedTree, type SumdbFailure, type SumdbVerification } from '../../registry/domain/sumdb/lookup.js';
import { generateKey, newSigner, newVerifier, verifierList } from '../../registry/domain/sumdb/note.js';
import { parseRecordText } from '../../registry/domain/sumdb/record.js';
import { fetchBytes, HttpStatusError, serveSumdbTestLog } from '../support/sumdb-http.js';
import { referenceKeygen, referenceLookup, startReferenceSumdb, type ReferenceSumdb } from '../support/sumdb-reference.js';
import { SumdbTestLog } from '../support/sumdb-test-log.js';

const h1 = (seed: string) => `h1:${Buffer.from(seed.padEnd(32, '.')).toString('base64')}`;
const MODULES = [
  ['rsc.io/sampler', 'v1.3.0'],
  ['rsc.io/Quote', 'v1.5.2'],
  ['golang.org/x/text', 'v0.0.0-20170915032832-14c0d48ead0c'],
  ['github.com/pkg/errors', 'v0.9.1'],
  ['gopkg.in/yaml.v3', 'v3.0.1'],
  ['example.com/big', 'v2.0.0+incompatible'],
  ['example.com/m/v2', 'v2.1.0-rc.1'],
].map(([path, version]) => ({ path: path!, version: version!, zip: h1(`${path}@${version}`), mod: h1(`${path}@${version}/go.mod`) }));
const goSum = (ms: typeof MODULES) => ms.map((m) => `${m.path} ${m.version} ${m.zip}\n${m.path} ${m.version}/go.mod ${m.mod}\n`).join('');

const key = generateKey('go-registry.test/sumdb');
const verifiers = verifierList(newVerifier(key.vkey));

const failsWith = (reason: SumdbFailure) => (err: Error) => err instanceof SumdbSecurityError && err.reason === reason;

function verification(url: string, latest: SignedTree | undefined, tileHeight: number, tamper?: (path: string, data: Buffer) => Buffer): SumdbVerification {
  return { verifiers, tileHeight, latest, readTile: async (p) => (tamper ? tamper(p, await fetchBytes(url, p)) : fetchBytes(url, p)) };
}

async function lookUp(url: string, path: string, version: string, v: SumdbVerification) {
  return verifyLookup(path, version, await fetchBytes(url, lookupPath(path, version)), v);
}

describe('our verifier against x/mod sumdb.Server', () => {
  let server: ReferenceSumdb;
  before(async () => {
    // Four records at start; the other three join the log as they are first looked up, so the tree grows.
    server = await startReferenceSumdb({ skey: key.skey, records: goSum(MODULES), preload: 4 });
  });
  after(() => server?.stop());

  for (const tileHeight of [8, 2]) {
    test(`lookups and tiles of height ${tileHeight} verify, the latest tree moving forward`, async () => {
      let latest: SignedTree | undefined;
      for (const m of MODULES) {
        const zip = await lookUp(server.url, m.path, m.version, verification(server.url, latest, tileHeight));
        assert.deepEqual(zip.lines, [`${m.path} ${m.version} ${m.zip}`]);
        assert.ok(zip.latest.tree.n >= (latest?.tree.n ?? 0));
        const mod = await lookUp(server.url, m.path, `${m.version}/go.mod`, verification(server.url, zip.latest, tileHeight));
        assert.deepEqual(parseRecordText(mod.lines.join('\n') + '\n'), [{ path: m.path, version: m.version, goMod: true, hash: m.mod }]);
        latest = mod.latest;
      }
      assert.equal(latest?.tree.n, MODULES.length);
      const tree = await verifyTree(await fetchBytes(server.url, 'latest'), verification(server.url, latest, tileHeight));
      assert.equal(tree.tree.n, MODULES.length);
    });
  }

  test('a tampered tile, a tampered record, another key', async () => {
    const m = MODULES[0]!;
    const flip = (_: string, data: Buffer) => Buffer.from(data.map((b, i) => (i === 0 ? b ^ 1 : b)));
    await assert.rejects(lookUp(server.url, m.path, m.version, verification(server.url, undefined, 8, flip)), failsWith('inconsistent-tiles'));
    // Height 2, seven records: tile/2/0/000 is not among the tiles hashing to the tree, but checked against its parent.
    const flipOne = (p: string, data: Buffer) => (p === 'tile/2/0/000' ? flip(p, data) : data);
    await assert.rejects(lookUp(server.url, m.path, m.version, verification(server.url, undefined, 2, flipOne)), failsWith('inconsistent-tiles'));
    const body = (await fetchBytes(server.url, lookupPath(m.path, m.version))).toString().replace(m.zip, MODULES[1]!.zip);
    await assert.rejects(verifyLookup(m.path, m.version, Buffer.from(body), verification(server.url, undefined, 8)), failsWith('unauthenticated-record'));
    const other = { ...verification(server.url, undefined, 8), verifiers: verifierList(newVerifier(generateKey('go-registry.test/sumdb').vkey)) };
    await assert.rejects(lookUp(server.url, m.path, m.version, other), failsWith('unverified-note'));
  });

  test('a module the database does not have is a 404, not a security error', async () => {
    await assert.rejects(lookUp(server.url, 'example.com/missing', 'v1.0.0', verification(server.url, undefined, 8)), (err: Error) => err instanceof HttpStatusError && err.status === 404);
  });
});

describe('forks and keys across implementations', () => {
  test('a log rewritten under the same key is a fork', async () => {
    const honest = await startReferenceSumdb({ skey: key.skey, records: goSum(MODULES.slice(0, 3)) });
    const forked = MODULES.slice(0, 2).concat({ ...MODULES[2]!, zip: h1('rewritten') }, MODULES.slice(3));
    const liar = await startReferenceSumdb({ skey: key.skey, records: goSum(forked) });
    try {
      const seen = await verifyTree(await fetchBytes(honest.url, 'latest'), verification(honest.url, undefined, 8));
      const m = MODULES[4]!;
      await assert.rejects(lookUp(liar.url, m.path, m.version, verification(liar.url, seen, 8)), (err: SumdbSecurityError) => {
        assert.ok(failsWith('fork')(err), err.message);
        assert.match(err.report ?? '', /^SECURITY ERROR\ngo\.sum database server misbehavior detected!\n\nold database:\n\tgo\.sum database tree\n\t3\n/);
        return true;
      });
    } finally {
      await Promise.all([honest.stop(), liar.stop()]);
    }
  });

  test('a key x/mod generated verifies here', async () => {
    const goKey = await referenceKeygen('example.test/go-key');
    const server = await startReferenceSumdb({ skey: goKey.skey, records: goSum(MODULES.slice(0, 2)) });
    try {
      const m = MODULES[1]!;
      const v = { ...verification(server.url, undefined, 8), verifiers: verifierList(newVerifier(goKey.vkey)) };
      assert.deepEqual((await lookUp(server.url, m.path, m.version, v)).lines, [`${m.path} ${m.version} ${m.zip}`]);
    } finally {
      await server.stop();
    }
  });

  test("x/mod's client accepts a log our code built, signed with our key", async () => {
    const log = new SumdbTestLog(newSigner(key.skey));
    for (const m of MODULES) await log.add(`${m.path}@${m.version}`, `${m.path} ${m.version} ${m.zip}\n${m.path} ${m.version}/go.mod ${m.mod}\n`);
    const ours = await serveSumdbTestLog(log);
    try {
      const modules = MODULES.flatMap((m) => [`${m.path}@${m.version}`, `${m.path}@${m.version}/go.mod`]);
      for (const tileHeight of [8, 2]) {
        const r = await referenceLookup({ url: ours.url, vkey: key.vkey, modules, tileHeight });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.lines, goSum(MODULES).trim().split('\n'));
      }
      const wrongKey = await referenceLookup({ url: ours.url, vkey: generateKey('go-registry.test/sumdb').vkey, modules: modules.slice(0, 1) });
      assert.equal(wrongKey.code, 1, wrongKey.stderr);
      assert.match(wrongKey.stderr, /verifier|signature/);
    } finally {
      await ours.close();
    }
  });
});
