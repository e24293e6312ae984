/**
 * The backup ports on PostgreSQL: the removal hold is the backup lock (backup-lock.ts) taken
 * exclusively in a session of its own, so a backup that dies lets go of it; the dump is
 * pg_dump's custom format (one snapshot of the database; pg_restore reads it).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import type { DatabaseDump, FileRemovals, RemovalHold } from '../backup-ports.js';
import { BACKUP_LOCK_KEY } from './backup-lock.js';

const run = promisify(execFile);

export class PgFileRemovals implements FileRemovals {
  constructor(private readonly connectionString: string) {}

  async holdOff(): Promise<RemovalHold> {
    const client = new pg.Client({ connectionString: this.connectionString, keepAlive: true });
    await client.connect();
    try {
      // Waits for removals in progress to commit; new ones find the lock taken and skip.
      await client.query('SELECT pg_advisory_lock($1)', [BACKUP_LOCK_KEY]);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    return {
      release: async () => {
        try {
          await client.query('SELECT pg_advisory_unlock($1)', [BACKUP_LOCK_KEY]);
        } finally {
          await client.end();
        }
      },
    };
  }
}

export class PgDump implements DatabaseDump {
  constructor(
    private readonly connectionString: string,
    /** The pg_dump program: of the server's major version or newer. */
    private readonly program: string,
  ) {}

  async dumpTo(file: string): Promise<void> {
    try {
      await run(this.program, ['--format=custom', '--no-owner', `--file=${file}`, `--dbname=${this.connectionString}`], { maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT') throw new Error(`${this.program} not found: install PostgreSQL's client programs or set PG_DUMP to pg_dump's path`);
      throw new Error(`${this.program} failed: ${(e.stderr ?? e.message).trim()}`);
    }
  }
}
