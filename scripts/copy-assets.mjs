// Copies non-TypeScript files the compiled code reads at run time (SQL migrations, the web UI's CSS and
// script), and makes the CLI (package.json "bin") executable, as npm does when it installs the package.
import { chmod, cp } from 'node:fs/promises';

await cp('registry/migrations', 'dist/registry/migrations', { recursive: true });
await cp('registry/web/static', 'dist/registry/web/static', { recursive: true });
await chmod('dist/cli/main.js', 0o755);
