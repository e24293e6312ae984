/**
 * The admin token: REGISTRY_ADMIN_TOKEN, or one generated at first start and kept
 * in DATA_DIR with mode 0600 — unless ADMIN_SERVICE_ACCOUNTS names the admin and no
 * REGISTRY_ADMIN_TOKEN is set: then there is none. Callers log where it is, never its value.
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

/** The admin token for this configuration; undefined when the admin is only ServiceAccounts. */
export function adminTokenFor(config: { adminToken: string | undefined; dataDir: string; identity: { adminServiceAccounts: unknown[] } }): Promise<AdminToken | undefined> {
  if (!config.adminToken && config.identity.adminServiceAccounts.length > 0) return Promise.resolve(undefined);
  return resolveAdminToken(config.adminToken, config.dataDir);
}
