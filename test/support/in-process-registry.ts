/** The registry started in-process on a random loopback port, for HTTP-layer tests. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../../registry/config/config.js';
import { createLogger, type Logger } from '../../registry/logger.js';
import { startRegistry } from '../../registry/server.js';
import { after, before } from 'node:test';
import { createOwner } from './admin-api.js';
import { tempDir } from './paths.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestRegistry {
  url: string;
  metricsUrl: string | undefined;
  dataDir: string;
  /** Authorization header value for the admin token, Basic as curl --user sends it. */
  auth: string;
  /** Files left in the upload temp folder and blob store. */
  storedFiles(): Promise<{ temp: string[]; blobs: string[] }>;
  createOwner(name: string, visibility?: string): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * LEAN_GOPROXY of the test process, for every registry the HTTP suites start: test/run.mjs
 * runs them with the lean path on (the default) and off (Koa answers everything).
 */
export const leanFromEnv = (): Record<string, string> => (process.env.LEAN_GOPROXY === undefined ? {} : { LEAN_GOPROXY: process.env.LEAN_GOPROXY });

export async function startTestRegistry(env: Record<string, string> = {}, options: { logger?: Logger } = {}): Promise<TestRegistry> {
  const { dir, remove } = await tempDir('registry');
  // Hermetic: no upstream unless a test gives one.
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, REGISTRY_ADMIN_TOKEN: ADMIN_TOKEN, UPSTREAM_GOPROXY: 'off', ...leanFromEnv(), ...env });
  const registry = await startRegistry(config, options.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'));
  const list = async (sub: string): Promise<string[]> => {
    const root = path.join(config.storageDir, sub);
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isFile()).map((e) => e.name);
  };
  return {
    url: registry.url,
    metricsUrl: registry.metricsUrl,
    dataDir: dir,
    auth: 'Basic ' + Buffer.from(`testuser:${ADMIN_TOKEN}`).toString('base64'),
    storedFiles: async () => ({ temp: await list('tmp'), blobs: await list('blobs') }),
    createOwner: (name, visibility = 'public') => createOwner(registry.url, ADMIN_TOKEN, name, visibility),
    async stop() {
      await registry.close();
      await remove();
    },
  };
}

export interface RegistryFixture {
  reg: TestRegistry;
  /** A temp folder for the suite's zips. */
  dir: string;
}

/**
 * Starts an in-process registry (and a temp folder) before the suite's tests and stops
 * both after them; `owners` are created as public owners.
 */
export function useTestRegistry(prefix: string, options: { env?: Record<string, string>; owners?: string[] } = {}): RegistryFixture {
  const fixture = {} as RegistryFixture;
  let removeDir: (() => Promise<void>) | undefined;
  before(async () => {
    fixture.reg = await startTestRegistry(options.env);
    let dir: string;
    ({ dir, remove: removeDir } = await tempDir(prefix));
    fixture.dir = dir;
    for (const owner of options.owners ?? []) await fixture.reg.createOwner(owner);
  });
  after(async () => {
    await fixture.reg?.stop();
    await removeDir?.();
  });
  return fixture;
}
