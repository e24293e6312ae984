/**
 * golang.org/x/mod itself as the witness of the CLI's zips: the fuzz tests' x/mod oracle
 * (test/fuzz/xmod-oracle, built once into ~/.cache/go-registry) runs zip.CreateFromDir or
 * zip.CreateFromVCS and dirhash.HashZip, as `go` does, for a folder or a git revision.
 */
import path from 'node:path';
import { startOracle, type Oracle } from '../fuzz/support/xmod-oracle.js';

/** The module proxy public modules come from (the machine's, as `go env GOPROXY` gives it). */
export const PUBLIC_GOPROXY = process.env.GOPROXY || 'https://proxy.golang.org,direct';

export interface XModZipResult {
  error?: string;
  /** CreateFromDir only: the files CheckDir keeps, slash-separated. */
  valid?: string[];
  hash?: string;
}

export interface XModZip {
  createFromDir(dir: string, modulePath: string, version: string): Promise<XModZipResult>;
  /** zip.CreateFromVCS of a git repository's revision, for the module in subdir ('' at the root). */
  createFromGit(repo: string, modulePath: string, version: string, revision: string, subdir: string): Promise<XModZipResult>;
  close(): Promise<void>;
}

/** Starts the oracle; its zips go into scratch. */
export async function startXModZip(scratch: string): Promise<XModZip> {
  const oracle: Oracle = await startOracle();
  let n = 0;
  const create = (fields: Record<string, string>) => oracle.ask<XModZipResult>({ op: 'create', file: path.join(scratch, `witness-${n++}.zip`), ...fields });
  return {
    createFromDir: (dir, modulePath, version) => create({ s: dir, path: modulePath, v: version }),
    createFromGit: (repo, modulePath, version, rev, subdir) => create({ s: repo, path: modulePath, v: version, rev, subdir }),
    close: () => oracle.close(),
  };
}
