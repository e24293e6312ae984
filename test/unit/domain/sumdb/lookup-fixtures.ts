/** client_test.go's remote and client, for the lookup tests: x/mod's test keys and records, tile height 2. */
import { SumdbSecurityError, verifyLookup, verifyTree, type SignedTree, type SumdbFailure } from '../../../../registry/domain/sumdb/lookup.js';
import { newSigner, newVerifier, verifierList } from '../../../../registry/domain/sumdb/note.js';
import { SumdbTestLog } from '../../../support/sumdb-test-log.js';

export const testVerifierKey = 'localhost.localdev/sumdb+00000c67+AcTrnkbUA+TU4heY3hkjiSES/DSQniBqIeQ/YppAUtK6';
export const testSignerKey = 'PRIVATE+KEY+localhost.localdev/sumdb+00000c67+AXu6+oaVaOYuQOFrf1V59JK1owcFlJcHwwXHDfDGxSPk';
export const verifiers = verifierList(newVerifier(testVerifierKey));

export interface Remote {
  log: SumdbTestLog;
  /** The lookup answers, signed with the tree of their time, as testClient.addRecord keeps them. */
  answers: Map<string, Buffer>;
  /** Changes tile bytes on the way, as TestClientBadTiles flips them. */
  tamper?: (data: Buffer) => Buffer;
}

export async function addRecord(r: Remote, key: string, text: string): Promise<void> {
  await r.log.add(key, text);
  r.answers.set(key, (await r.log.lookupAnswer(key))!);
}

/** newTestClient's remote: four records; the client's latest is the tree of one. */
export async function newRemote(): Promise<{ remote: Remote; latest: SignedTree }> {
  const remote: Remote = { log: new SumdbTestLog(newSigner(testSignerKey)), answers: new Map() };
  await addRecord(remote, 'rsc.io/quote@v1.5.2', 'rsc.io/quote v1.5.2 h1:w5fcysjrx7yqtD/aO+QwRjYZOKnaM9Uh2b40tElTs3Y=\nrsc.io/quote v1.5.2/go.mod h1:LzX7hefJvL54yjefDEDHNONDjII0t9xZLPXsUe+TKr0=\nrsc.io/quote v1.5.2 h2:xyzzy\n');
  await addRecord(remote, 'golang.org/x/text@v0.0.0-20170915032832-14c0d48ead0c', 'golang.org/x/text v0.0.0-20170915032832-14c0d48ead0c h1:qgOY6WgZOaTkIIMiVjBQcw93ERBE4m30iBm00nkL0i8=\ngolang.org/x/text v0.0.0-20170915032832-14c0d48ead0c/go.mod h1:NqM8EUOU14njkJ3fqMW+pc6Ldnwhi/IjpwHt7yyuwOQ=\n');
  await addRecord(remote, 'rsc.io/sampler@v1.3.0', 'rsc.io/sampler v1.3.0 h1:7uVkIFmeBqHfdjD+gZwtXXI+RODJ2Wc4O7MPEh/QiW4=\nrsc.io/sampler v1.3.0/go.mod h1:T1hPZKmBbMNahiBKFy5HrXp6adAjACjK9JXDnKaTXpA=\n');
  const latest = await verifyTree(await remote.log.signedTree(1), { verifiers, readTile: () => Promise.reject(new Error('no tiles needed')) });
  await addRecord(remote, 'rsc.io/Quote@v1.5.2', 'rsc.io/Quote v1.5.2 h1:uppercase!=\n');
  return { remote, latest };
}

export class NoSuchTile extends Error {}

export function verification(r: Remote, latest?: SignedTree) {
  return {
    verifiers,
    tileHeight: 2,
    latest,
    readTile: async (path: string) => {
      const data = await r.log.tile(path);
      if (!data) throw new NoSuchTile(`no remote path /${path}`);
      return r.tamper ? r.tamper(data) : data;
    },
  };
}

export async function lookup(r: Remote, latest: SignedTree | undefined, path: string, version: string, key = `${path}@${version.replace('/go.mod', '')}`) {
  return verifyLookup(path, version, r.answers.get(key)!, verification(r, latest));
}

export const failsWith = (reason: SumdbFailure, message?: string) => (err: Error) =>
  err instanceof SumdbSecurityError && err.reason === reason && (message === undefined || err.message.includes(message));
