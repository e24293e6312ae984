// Copies non-TypeScript files the compiled code reads at run time (SQL migrations).
import { cp } from 'node:fs/promises';

await cp('registry/migrations', 'dist/registry/migrations', { recursive: true });
