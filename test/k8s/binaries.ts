/**
 * Builds the control plane from Go modules into a cache outside the clone
 * (~/.cache/go-registry/k8s-<versions>-<source hash>/bin): the multi-call `testenv`
 * binary (etcd, kube-apiserver, kube-controller-manager, kubectl) from ./testenv, and
 * helm with `go install`. The first build takes minutes; later calls return at once.
 */
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { buildOnce, cacheRoot, requireGo, runGo, sourceHash } from '../support/go-build-cache.js';
import { REPO_ROOT } from '../support/paths.js';
import { ETCD_VERSION, HELM_MODULE, HELM_VERSION, KUBERNETES_VERSION } from './versions.js';

export { cacheRoot };

export interface K8sBinaries {
  testenv: string;
  /** A link to testenv named kubectl, so it runs as a plain kubectl. */
  kubectl: string;
  helm: string;
}

const SOURCE_DIR = path.join(REPO_ROOT, 'test', 'k8s', 'testenv');
/** Bump when the build commands below change, so caches built the old way are not reused. */
const BUILD_RECIPE = 'recipe-2';

function cacheDir(): string {
  const hash = sourceHash(SOURCE_DIR, ['go.mod', 'go.sum', 'main.go'], BUILD_RECIPE);
  const key = `k8s-${KUBERNETES_VERSION}-etcd-${ETCD_VERSION}-helm-${HELM_VERSION}-${hash}`;
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

export async function ensureK8sBinaries(): Promise<K8sBinaries> {
  const dir = cacheDir();
  const bin = { testenv: path.join(dir, 'bin', 'testenv'), kubectl: path.join(dir, 'bin', 'kubectl'), helm: path.join(dir, 'bin', 'helm') };
  await buildOnce(dir, ['bin/testenv', 'bin/kubectl', 'bin/helm'], async (staging) => {
    requireGo('the Kubernetes test control plane');
    await mkdir(path.join(staging, 'bin'), { recursive: true });
    const started = Date.now();
    process.stderr.write(`[k8s build] building Kubernetes ${KUBERNETES_VERSION} control plane and helm ${HELM_VERSION} into ${dir} (first time only; minutes)\n`);
    await runGo(['build', '-v', '-trimpath', '-ldflags', versionLdflags(), '-o', path.join(staging, 'bin', 'testenv'), '.'], SOURCE_DIR, {}, 'etcd + kube-apiserver + kube-controller-manager + kubectl');
    const helmStamp = `-X ${HELM_MODULE}/internal/version.version=${HELM_VERSION}`;
    await runGo(['install', '-v', '-trimpath', `-ldflags=-s -w ${helmStamp}`, `${HELM_MODULE}/cmd/helm@${HELM_VERSION}`], staging, { GOBIN: path.join(staging, 'bin'), GOFLAGS: '' }, 'helm');
    await symlink('testenv', path.join(staging, 'bin', 'kubectl'));
    process.stderr.write(`[k8s build] done in ${Math.round((Date.now() - started) / 1000)} s\n`);
  });
  return bin;
}
