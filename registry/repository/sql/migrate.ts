/**
 * Applies the numbered SQL files in registry/migrations, forward only, each once.
 * The whole run holds a transaction-scoped advisory lock, so replicas starting
 * together apply them exactly once: the second waits, then finds nothing to do.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { SqlDatabase } from './sql-database.js';

const MIGRATIONS_DIR = new URL('../../migrations/', import.meta.url);
const MIGRATION_LOCK_KEY = 7_424_200_001; // arbitrary, fixed for this application

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (name) => ({
      version: Number(name.slice(0, name.indexOf('_'))),
      name,
      sql: await readFile(new URL(name, dir), 'utf8'),
    })),
  );
}

/** @returns the names of the migrations this call applied */
export async function migrate(db: SqlDatabase, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? (await loadMigrations());
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version));
    const applied: string[] = [];
    for (const m of all) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.name);
    }
    return applied;
  });
}
