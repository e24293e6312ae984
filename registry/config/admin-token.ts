/**
 * The admin token: REGISTRY_ADMIN_TOKEN, or one generated at first start and kept
 * in DATA_DIR with mode 0600. Callers log where it is, never its value.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface AdminToken {
  value: string;
  /** The file it was read from or written to; undefined when it came from the environment. */
  file: string | undefined;
  generated: boolean;
}

export async function resolveAdminToken(configured: string | undefined, dataDir: string): Promise<AdminToken> {
  if (configured) return { value: configured, file: undefined, generated: false };
  const file = path.join(dataDir, 'admin-token');
  try {
    const value = (await readFile(file, 'utf8')).trim();
    if (value.length >= 16) return { value, file, generated: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dataDir, { recursive: true });
  const value = 'gor_' + randomBytes(32).toString('base64url');
  await writeFile(file, value + '\n', { mode: 0o600 });
  await chmod(file, 0o600);
  return { value, file, generated: true };
}
