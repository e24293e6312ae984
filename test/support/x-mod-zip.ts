/**
 * golang.org/x/mod itself as the witness of the CLI's zips: a small Go program built by the
 * test (against x/mod from the Go module proxy, into the test's module cache) that runs
 * zip.CreateFromDir and dirhash.HashZip on a folder, as `go` would, and prints the result.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { goClient, type GoClient } from './go-client.js';

const run = promisify(execFile);
export const X_MOD_VERSION = 'v0.22.0';
/** The module proxy public modules come from (the machine's, as `go env GOPROXY` gives it). */
export const PUBLIC_GOPROXY = process.env.GOPROXY || 'https://proxy.golang.org,direct';

const PROGRAM = `package main

import (
	"encoding/json"
	"os"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/zip"
)

func main() {
	dir, path, version, out := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	result := map[string]any{}
	defer func() { json.NewEncoder(os.Stdout).Encode(result) }()
	f, err := os.Create(out)
	if err != nil {
		panic(err)
	}
	m := module.Version{Path: path, Version: version}
	if len(os.Args) > 5 {
		// From a git repository: revision and subdirectory, as go fetches from a VCS.
		err = zip.CreateFromVCS(f, m, dir, os.Args[5], os.Args[6])
	} else {
		err = zip.CreateFromDir(f, m, dir)
	}
	f.Close()
	if err != nil {
		result["error"] = err.Error()
		return
	}
	if len(os.Args) <= 5 {
		checked, _ := zip.CheckDir(dir)
		result["valid"] = checked.Valid
	}
	result["hash"], err = dirhash.HashZip(out, dirhash.Hash1)
	if err != nil {
		panic(err)
	}
}
`;

export interface XModZipResult {
  error?: string;
  valid?: string[];
  hash?: string;
}

export interface XModZip {
  client: GoClient;
  createFromDir(dir: string, modulePath: string, version: string): Promise<XModZipResult>;
  /** zip.CreateFromVCS of a git repository's revision, for the module in subdir ('' at the root). */
  createFromGit(repo: string, modulePath: string, version: string, revision: string, subdir: string): Promise<XModZipResult>;
}

/** Builds the witness program in root (its own GOPATH and module cache, public proxy). */
export async function buildXModZip(root: string): Promise<XModZip> {
  const client = await goClient(root, PUBLIC_GOPROXY);
  const src = path.join(root, 'xmodzip');
  await mkdir(src, { recursive: true });
  await writeFile(path.join(src, 'go.mod'), `module example.com/xmodzip\n\ngo 1.22\n\nrequire golang.org/x/mod ${X_MOD_VERSION}\n`);
  await writeFile(path.join(src, 'main.go'), PROGRAM);
  const binary = path.join(root, 'xmodzip-bin');
  await client.go(['build', '-mod=mod', '-o', binary, '.'], { cwd: src });
  let n = 0;
  const witness = async (args: string[]) => {
    const out = path.join(root, `witness-${n++}.zip`);
    const [dir, modulePath, version, ...vcs] = args;
    const { stdout } = await run(binary, [dir!, modulePath!, version!, out, ...vcs]);
    return JSON.parse(stdout) as XModZipResult;
  };
  return {
    client,
    createFromDir: (dir, modulePath, version) => witness([dir, modulePath, version]),
    createFromGit: (repo, modulePath, version, revision, subdir) => witness([repo, modulePath, version, revision, subdir]),
  };
}
