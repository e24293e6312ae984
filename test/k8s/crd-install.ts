/** Applies the GoPackageOwner CRD from crds/ (idempotent, safe on the shared cluster) and waits until it is Established. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../support/paths.js';
import type { SharedCluster } from './cluster.js';

export async function installCrd(cluster: Pick<SharedCluster, 'kubectl'>): Promise<void> {
  const crd = await readFile(path.join(REPO_ROOT, 'crds', 'goregistry.dev_gopackageowners.yaml'), 'utf8');
  const applied = await cluster.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], crd);
  assert.equal(applied.code, 0, applied.stderr);
  const established = await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/gopackageowners.goregistry.dev']);
  assert.equal(established.code, 0, established.stderr);
}
