// Copies non-TypeScript files the compiled code reads at run time (SQL migrations, the web UI's CSS and script).
import { cp } from 'node:fs/promises';

await cp('registry/migrations', 'dist/registry/migrations', { recursive: true });
await cp('registry/web/static', 'dist/registry/web/static', { recursive: true });
