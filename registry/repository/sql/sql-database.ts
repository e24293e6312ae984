/**
 * The storage port every SQL adapter implements. PostgreSQL (`pg`) and the embedded
 * PGlite speak the same SQL, so repositories are written once against this.
 */
export interface SqlClient {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements, without parameters (migrations). */
  exec(script: string): Promise<void>;
}

export interface SqlDatabase extends SqlClient {
  /** Runs fn in one transaction: commit when it resolves, roll back when it throws. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Human-readable name for logs: "postgres" or "pglite". */
  readonly kind: string;
  /** Connection pool numbers, where there is a pool. */
  poolStats?(): { total: number; idle: number; waiting: number };
}

/** PostgreSQL's unique_violation, as both drivers report it. */
export const isUniqueViolation = (err: unknown) =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
