// Runs every compiled test file under node's built-in test runner (npm test builds first).
// Node 20's --test takes no globs, so the files are listed here: unit, integration, http (twice), fuzz, e2e, k8s.
// Suites that need Kubernetes share one control plane per run, started here and handed over in
// GO_REGISTRY_TEST_CLUSTER; each suite works in namespaces of its own.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve('dist/test');
const order = ['unit', 'integration', 'http', 'http-koa', 'fuzz', 'e2e', 'k8s'];

// The HTTP suites run twice: with the lean path for warm GOPROXY hits in front of Koa (the
// default, registry/http/lean-goproxy.ts) and with LEAN_GOPROXY=false, Koa answering
// everything. Each file's second run is a module under dist/test/http-koa/ that sets the
// variable and imports it (node --test runs every file in a process of its own).
const koaRoot = path.join(root, 'http-koa');
rmSync(koaRoot, { recursive: true, force: true });
mkdirSync(koaRoot);
for (const f of readdirSync(path.join(root, 'http')).filter((f) => f.endsWith('.test.js'))) {
  writeFileSync(path.join(koaRoot, f), `process.env.LEAN_GOPROXY = 'false';\nawait import('../http/${f}');\n`);
}
const files = readdirSync(root, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.js'))
  .filter((f) => process.argv.length <= 2 || process.argv.slice(2).some((sel) => f.startsWith(sel)))
  .sort((a, b) => order.indexOf(a.split(path.sep)[0]) - order.indexOf(b.split(path.sep)[0]) || a.localeCompare(b))
  .map((f) => path.join(root, f));

if (files.length === 0) {
  console.error('no test files found under dist/test: run `npm run build` first');
  process.exit(1);
}

// Suites that use sharedCluster() say so in their source.
const needsCluster = files.some((f) => /sharedCluster\(/.test(readFileText(f)));
let cluster;
const env = { ...process.env };
if (needsCluster) {
  const { startCluster, SHARED_CLUSTER_ENV } = await import(path.join(root, 'k8s', 'cluster.js'));
  cluster = await startCluster();
  const { kubeconfig, kubectlPath, helmPath, server } = cluster;
  env[SHARED_CLUSTER_ENV] = JSON.stringify({ kubeconfig, kubectlPath, helmPath, server });
}

const reporter = process.env.CI ? ['--test-reporter=spec'] : [];
const result = spawnSync(process.execPath, ['--test', ...reporter, ...files], { stdio: 'inherit', env });
await cluster?.stop();
process.exit(result.status ?? 1);

function readFileText(file) {
  return readFileSync(file, 'utf8');
}
