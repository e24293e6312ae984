/**
 * Builds the control plane from Go modules into a cache outside the clone
 * (~/.cache/go-registry/k8s-<versions>-<source hash>/bin): the multi-call `testenv`
 * binary (etcd, kube-apiserver, kube-controller-manager, kubectl) from ./testenv, and
 * helm with `go install`. The first build takes minutes; later calls return at once.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../support/paths.js';
import { ETCD_VERSION, HELM_MODULE, HELM_VERSION, KUBERNETES_VERSION } from './versions.js';

export interface K8sBinaries {
  testenv: string;
  /** A link to testenv named kubectl, so it runs as a plain kubectl. */
  kubectl: string;
  helm: string;
}

const SOURCE_DIR = path.join(REPO_ROOT, 'test', 'k8s', 'testenv');
/** Bump when the build commands below change, so caches built the old way are not reused. */
const BUILD_RECIPE = 'recipe-2';

export const cacheRoot = () => process.env.GO_REGISTRY_CACHE ?? path.join(os.homedir(), '.cache', 'go-registry');

function cacheDir(): string {
  const hash = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(path.join(SOURCE_DIR, f)));
  hash.update(BUILD_RECIPE);
  const key = `k8s-${KUBERNETES_VERSION}-etcd-${ETCD_VERSION}-helm-${HELM_VERSION}-${hash.digest('hex').slice(0, 12)}`;
  return path.join(cacheRoot(), key);
}

/** Version stamps the release build would set; the API server reports them and checks compatibility with them. */
function versionLdflags(): string {
  const [major, minor] = KUBERNETES_VERSION.slice(1).split('.');
  const stamps = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
    `-X ${pkg}.gitVersion=${KUBERNETES_VERSION}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ]);
  return ['-s', '-w', ...stamps].join(' ');
}

function requireGo(): void {
  const probe = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('the go command is needed to build the Kubernetes test control plane: install Go >= 1.26 (https://go.dev/dl/) and put it on PATH');
  }
}

/** Runs go with progress on stderr: one line every 100 packages compiled. */
function go(args: string[], cwd: string, env: NodeJS.ProcessEnv, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // GOTOOLCHAIN=auto: an older local Go fetches the release go.mod asks for (Go >= 1.26) from the module proxy.
    const child = spawn('go', args, { cwd, env: { ...process.env, GOTOOLCHAIN: 'auto', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let packages = 0;
    let tail = '';
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-8000);
      for (const line of text.split('\n')) {
        if (line.trim() !== '' && !line.startsWith('go: ') && ++packages % 100 === 0) {
          process.stderr.write(`[k8s build] ${label}: ${packages} packages…\n`);
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go ${args[0]} for ${label} failed (${code}):\n${tail}`))));
  });
}

export async function ensureK8sBinaries(): Promise<K8sBinaries> {
  const dir = cacheDir();
  const bin = { testenv: path.join(dir, 'bin', 'testenv'), kubectl: path.join(dir, 'bin', 'kubectl'), helm: path.join(dir, 'bin', 'helm') };
  if (existsSync(bin.testenv) && existsSync(bin.kubectl) && existsSync(bin.helm)) return bin;
  requireGo();
  const staging = `${dir}.building-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(path.join(staging, 'bin'), { recursive: true });
  const started = Date.now();
  process.stderr.write(`[k8s build] building Kubernetes ${KUBERNETES_VERSION} control plane and helm ${HELM_VERSION} into ${dir} (first time only; minutes)\n`);
  try {
    await go(['build', '-v', '-trimpath', '-ldflags', versionLdflags(), '-o', path.join(staging, 'bin', 'testenv'), '.'], SOURCE_DIR, {}, 'etcd + kube-apiserver + kube-controller-manager + kubectl');
    const helmStamp = `-X ${HELM_MODULE}/internal/version.version=${HELM_VERSION}`;
    await go(['install', '-v', '-trimpath', `-ldflags=-s -w ${helmStamp}`, `${HELM_MODULE}/cmd/helm@${HELM_VERSION}`], staging, { GOBIN: path.join(staging, 'bin'), GOFLAGS: '' }, 'helm');
    await symlink('testenv', path.join(staging, 'bin', 'kubectl'));
    await rename(staging, dir).catch(async (err: NodeJS.ErrnoException) => {
      // Another process finished the same build first: use theirs.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      await rm(staging, { recursive: true, force: true });
    });
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  process.stderr.write(`[k8s build] done in ${Math.round((Date.now() - started) / 1000)} s\n`);
  return bin;
}
