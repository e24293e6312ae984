/** Builds (or finds cached) the Kubernetes control plane and helm: run before the tests. */
import { ensureK8sBinaries } from './binaries.js';

ensureK8sBinaries().then(
  (bin) => process.stderr.write(`[k8s build] ready: ${bin.testenv}, ${bin.helm}\n`),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
