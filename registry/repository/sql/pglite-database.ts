/**
 * SqlDatabase over PGlite, the embedded default when no DATABASE_URL is set: real
 * PostgreSQL compiled to WebAssembly, stored in a folder. One connection, so its
 * transactions are serialised, which keeps the same locking semantics trivially.
 */
import { PGlite } from '@electric-sql/pglite';
import type { SqlClient, SqlDatabase } from './sql-database.js';

const toRows = <Row>(result: { rows: unknown[] }) => result.rows.map(normalizeRow) as Row[];

/** PGlite returns bytea as Uint8Array and int8 as bigint; match what `pg` returns. */
function normalizeRow(row: unknown): unknown {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row as Record<string, unknown>)) {
    out[key] =
      value instanceof Uint8Array && !Buffer.isBuffer(value)
        ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
        : typeof value === 'bigint'
          ? Number(value)
          : value;
  }
  return out;
}

export class PgliteDatabase implements SqlDatabase {
  readonly kind = 'pglite';

  private constructor(private readonly db: PGlite) {}

  /** @param dataDir a folder to persist in, or undefined for an in-memory database (tests). */
  static async open(dataDir?: string): Promise<PgliteDatabase> {
    return new PgliteDatabase(await PGlite.create(dataDir));
  }

  async query<Row>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    return toRows<Row>(await this.db.query(text, params as unknown[]));
  }

  async exec(script: string): Promise<void> {
    await this.db.exec(script);
  }

  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    return this.db.transaction((t) =>
      fn({
        query: async <Row>(text: string, params: readonly unknown[] = []) => toRows<Row>(await t.query(text, params as unknown[])),
        exec: async (script: string) => {
          await t.exec(script);
        },
      }),
    );
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
