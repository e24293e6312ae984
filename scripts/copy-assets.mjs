// Copies non-TypeScript files the compiled code reads at run time (SQL migrations), and makes the
// CLI (package.json "bin") executable, as npm does when it installs the package.
import { chmod, cp } from 'node:fs/promises';

await cp('registry/migrations', 'dist/registry/migrations', { recursive: true });
await chmod('dist/cli/main.js', 0o755);
