/**
 * SqlDatabase over a `pg` connection pool (DATABASE_URL). A database that cannot be
 * reached, is restarting or stops answering is DomainError Unavailable (503 with
 * Retry-After), never a hang: connecting and every query have deadlines.
 */
import pg from 'pg';
import { DomainError, unavailable } from '../../domain/domain-error.js';
import type { SqlClient, SqlDatabase } from './sql-database.js';

// Keep bigint counts and sizes as JS numbers: sizes stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface PgDatabaseOptions {
  max?: number;
  /** A connection not made in this time fails the request (503). */
  connectTimeoutMs?: number;
  /** A query without an answer in this time fails, and its connection is dropped. */
  queryTimeoutMs?: number;
}

/**
 * SQLSTATEs of a server that is going away, starting or overloaded: class 08
 * (connection exception), 57P01–57P05 (shutdown, crash, cannot connect now, idle
 * session timeout), 53300 (too many connections), 57014 (a query cancelled by its timeout).
 */
const UNAVAILABLE_STATES = /^(08...|57P0[1-5]|53300|57014)$/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const DRIVER_MESSAGES = /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Query read timeout|Client was closed/i;

/** True when err says the database could not answer, not that the statement was wrong. */
export function isUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_STATES.test(code) || NETWORK_CODES.has(code))) return true;
  return DRIVER_MESSAGES.test((err as { message?: unknown }).message as string);
}

const translate = (err: unknown): unknown =>
  !(err instanceof DomainError) && isUnavailable(err) ? unavailable('the database is unavailable; retry shortly') : err;

export class PgDatabase implements SqlDatabase {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;

  constructor(connectionString: string, options: PgDatabaseOptions = {}) {
    this.pool = new pg.Pool({
      connectionString,
      max: options.max ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      query_timeout: options.queryTimeoutMs ?? 30_000,
      keepAlive: true,
    });
    // An idle client losing its server must not crash the process; the pool drops it and the next query reconnects.
    this.pool.on('error', () => {});
  }

  async query<Row>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    try {
      return (await this.pool.query(text, params as unknown[])).rows as Row[];
    } catch (err) {
      throw translate(err);
    }
  }

  async exec(script: string): Promise<void> {
    await this.query(script);
  }

  async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect().catch((err: unknown) => {
      throw translate(err);
    });
    // The pool listens for errors of idle clients only: a connection lost while checked out
    // would be an 'error' event nobody handles, which ends the process. The query in flight
    // fails on its own; the client is destroyed below.
    let lostWith: unknown;
    const onError = (err: unknown) => (lostWith ??= err);
    client.on('error', onError);
    const run = async <Row>(text: string, params: readonly unknown[] = []) => {
      try {
        return (await client.query(text, params as unknown[])).rows as Row[];
      } catch (err) {
        throw translate(err);
      }
    };
    const tx: SqlClient = { query: run, exec: async (script) => void (await run(script)) };
    try {
      await run('BEGIN');
      const result = await fn(tx);
      await run('COMMIT');
      client.off('error', onError);
      client.release(lostWith === undefined ? undefined : true);
      return result;
    } catch (err) {
      // A client whose ROLLBACK fails is broken (connection lost, or a query timed out mid-flight):
      // release(err) destroys it instead of handing it to the next request.
      const broken = await client.query('ROLLBACK').then(
        () => undefined,
        (rollbackErr: unknown) => (rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr))),
      );
      const lost = lostWith !== undefined || (err instanceof DomainError && err.kind === 'Unavailable');
      client.off('error', onError);
      client.release(broken ?? (lost ? true : undefined));
      throw err;
    }
  }

  poolStats() {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
