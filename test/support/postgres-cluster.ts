/**
 * A throwaway PostgreSQL 15 cluster for tests: initdb into a temp folder, pg_ctl
 * start on a random loopback port, removed on stop. initdb refuses to run as root,
 * so under root it runs as the `postgres` user on a folder that user owns.
 */
import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';

const run = promisify(execFile);
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PostgresCluster {
  url: string;
  port: number;
  /** The server's log file (what `log_statement` and the like write to). */
  logPath: string;
  /** Stops the server: fast (sessions are cut, as in a restart) or immediate (as in a crash; recovery at start). */
  stopServer(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and data. */
  startServer(): Promise<void>;
  /** A new empty database on this cluster, and its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const { stdout: uid } = await run('id', ['-u', name]);
  const { stdout: gid } = await run('id', ['-g', name]);
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startPostgres(): Promise<PostgresCluster> {
  if (!existsSync(path.join(PG_BIN, 'initdb'))) {
    throw new Error(`PostgreSQL 15 binaries not found in ${PG_BIN}: install postgresql-15 (apt-get install postgresql-15) or set PG_BIN`);
  }
  const root = await mkdtemp(path.join(os.tmpdir(), 'go-registry-pg-'));
  const dataDir = path.join(root, 'data');
  const asRoot = process.getuid?.() === 0;
  const exec = async (cmd: string, args: string[]) => {
    const bin = path.join(PG_BIN, cmd);
    return asRoot ? run('runuser', ['-u', 'postgres', '--', bin, ...args]) : run(bin, args);
  };
  if (asRoot) {
    const { uid, gid } = await userIds('postgres');
    await chown(root, uid, gid);
  }
  await chmod(root, 0o700);
  await exec('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  const start = () => exec('pg_ctl', ['-D', dataDir, '-l', path.join(root, 'log'), '-o', options, '-w', '-t', '60', 'start']);
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    logPath: path.join(root, 'log'),
    stopServer: async (mode = 'fast') => void (await exec('pg_ctl', ['-D', dataDir, '-m', mode, '-w', 'stop'])),
    startServer: async () => void (await start()),
    async createDatabase(name: string) {
      const client = new pg.Client(url);
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      await exec('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      await rm(root, { recursive: true, force: true });
    },
  };
}
