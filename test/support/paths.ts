/** Locations in the repository, for tests compiled into dist/test/. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');

/** A fresh temp folder and its removal, for `t.after`. */
export async function tempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `go-registry-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
