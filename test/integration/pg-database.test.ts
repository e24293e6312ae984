/**
 * The PostgreSQL adapter under faults: a connection that dies inside a transaction is
 * not handed to the next request, and a database that is down or silent is
 * DomainError Unavailable (503) within the configured deadlines, never a hang.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DomainError } from '../../registry/domain/domain-error.js';
import { PgDatabase } from '../../registry/repository/sql/pg-database.js';
import { freePort } from '../support/free-port.js';
import { startPostgres, type PostgresCluster } from '../support/postgres-cluster.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster?.stop());

const unavailable = (err: unknown) => err instanceof DomainError && err.kind === 'Unavailable';

describe('PgDatabase under faults', () => {
  test('a client whose connection died in a transaction is destroyed, not reused', async () => {
    const db = new PgDatabase(await cluster.createDatabase('broken'), { max: 1 });
    try {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('SELECT 1');
          await tx.query('SELECT pg_terminate_backend(pg_backend_pid())');
        }),
        unavailable,
      );
      // With one connection in the pool, a broken client handed back would fail this.
      assert.deepEqual(await db.query('SELECT 1 AS one'), [{ one: 1 }]);
      assert.deepEqual(await db.transaction((tx) => tx.query('SELECT 2 AS two')), [{ two: 2 }]);
    } finally {
      await db.close();
    }
  });

  test('nothing listening: Unavailable at once', async () => {
    const db = new PgDatabase(`postgres://postgres@127.0.0.1:${await freePort()}/x`);
    try {
      await assert.rejects(db.query('SELECT 1'), unavailable);
      await assert.rejects(db.transaction(async () => {}), unavailable);
    } finally {
      await db.close();
    }
  });

  test('a server that accepts but never answers: Unavailable after the connect deadline', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as net.AddressInfo;
    const db = new PgDatabase(`postgres://postgres@127.0.0.1:${port}/x`, { connectTimeoutMs: 300 });
    try {
      await assert.rejects(db.query('SELECT 1'), unavailable);
    } finally {
      await db.close();
      silent.close();
    }
  });
});
