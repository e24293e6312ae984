/**
 * A throwaway PostgreSQL 15 cluster for tests: initdb into a temp folder, pg_ctl
 * start on a random loopback port, removed on stop. initdb refuses to run as root,
 * so under root it runs as the `postgres` user on a folder that user owns. Connections over
 * TCP are trusted, or, with `passwords`, checked with SCRAM as a production server's are.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
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

export interface StartPostgresOptions {
  /** Check passwords (scram-sha-256) on TCP connections; the superuser's is in `url`. */
  passwords?: boolean;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresCluster> {
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
  const superuserPassword = options.passwords ? randomBytes(12).toString('hex') : undefined;
  const auth = ['-A', 'trust'];
  if (superuserPassword) {
    const pwfile = path.join(root, 'pwfile');
    await writeFile(pwfile, `${superuserPassword}\n`, { mode: 0o644 });
    auth.splice(0, 2, '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`);
  }
  await exec('initdb', ['-D', dataDir, '-U', 'postgres', ...auth, '--no-sync', '-E', 'UTF8', '--locale=C']);
  if (superuserPassword) await rm(path.join(root, 'pwfile'));
  const port = await freePort();
  const serverOptions = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  const start = () => exec('pg_ctl', ['-D', dataDir, '-l', path.join(root, 'log'), '-o', serverOptions, '-w', '-t', '60', 'start']);
  await start();
  const superuser = superuserPassword ? `postgres:${superuserPassword}` : 'postgres';
  const url = `postgres://${superuser}@127.0.0.1:${port}/postgres`;
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
      return `postgres://${superuser}@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      await exec('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      await rm(root, { recursive: true, force: true });
    },
  };
}
