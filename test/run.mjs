// Runs every compiled test file under node's built-in test runner (npm test builds first).
// Node 20's --test takes no globs, so the files are listed here: unit, integration, http, e2e, k8s.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve('dist/test');
const order = ['unit', 'integration', 'http', 'e2e', 'k8s'];
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
const reporter = process.env.CI ? ['--test-reporter=spec'] : [];
const result = spawnSync(process.execPath, ['--test', ...reporter, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
