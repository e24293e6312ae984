/**
 * The web UI's storage contract, run against PostgreSQL and PGlite: the catalog's
 * bounded lists (only the owners passed in, limits kept, prefix as a byte range,
 * substring in any case), hosted-module lookup, version details, the indexes the
 * queries can use, and sessions (digests, expiry).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { migrate } from '../../registry/repository/sql/migrate.js';
import { SqlCatalogRepository } from '../../registry/repository/sql/sql-catalog-repository.js';
import type { SqlDatabase } from '../../registry/repository/sql/sql-database.js';
import { SqlSessionRepository } from '../../registry/repository/sql/sql-session-repository.js';

async function seeded(open: () => Promise<SqlDatabase>, fn: (db: SqlDatabase) => Promise<void>): Promise<void> {
  const db = await open();
  try {
    await migrate(db);
    for (const owner of ['acme', 'other']) await db.query("INSERT INTO owners (name, visibility) VALUES ($1, 'public')", [owner]);
    let at = Date.UTC(2026, 0, 1);
    const put = (owner: string, path: string, version: string) =>
      db.query(
        `INSERT INTO module_versions (owner, module_path, version, blob_sha256, zip_size, zip_hash, go_mod_hash, created_at)
         VALUES ($1, $2, $3, $4, 10, 'h1:z', 'h1:m', $5)`,
        [owner, path, version, 'a'.repeat(64), new Date((at += 1000))],
      );
    await put('acme', 'example.com/acme/lib', 'v1.0.0');
    await put('acme', 'example.com/acme/lib', 'v1.1.0');
    await put('acme', 'example.com/acme/library', 'v0.1.0');
    await put('acme', 'example.com/Acme/Tool', 'v2.0.0+incompatible');
    await put('other', 'example.com/acme/lib', 'v3.0.0');
    await put('other', 'example.com/hidden/thing', 'v1.0.0');
    await fn(db);
  } finally {
    await db.close();
  }
}

export function runCatalogRepositorySuite(name: string, open: () => Promise<SqlDatabase>): void {
  describe(`web UI catalog and sessions on ${name}`, () => {
    test('lists only the owners passed in, within the limits', () =>
      seeded(open, async (db) => {
        const c = new SqlCatalogRepository(db);
        const prefix = await c.listModulesByPrefix(['acme'], 'example.com/acme/lib', 10);
        assert.deepEqual(prefix.map((m) => m.modulePath), ['example.com/acme/lib', 'example.com/acme/library']);
        assert.deepEqual([...prefix[0]!.versions].sort(), ['v1.0.0', 'v1.1.0']);
        assert.deepEqual((await c.listModulesByPrefix(['acme', 'other'], 'example.com/acme/lib', 2)).map((m) => `${m.owner} ${m.modulePath}`), ['acme example.com/acme/lib', 'other example.com/acme/lib']);
        assert.deepEqual(await c.listModulesByPrefix([], 'example.com', 10), []);
        // Byte order: "A" sorts before "a", and a prefix is exact, not case-folded.
        assert.deepEqual((await c.listModulesByPrefix(['acme'], 'example.com/A', 10)).map((m) => m.modulePath), ['example.com/Acme/Tool']);
        assert.deepEqual((await c.listModulesContaining(['acme'], 'ACME/T', 10)).map((m) => m.modulePath), ['example.com/Acme/Tool']);
        assert.deepEqual((await c.listModulesContaining(['acme'], 'hidden', 10)), []);
        assert.equal((await c.listModulesContaining(['acme', 'other'], 'e', 3)).length, 3);
        assert.deepEqual((await c.listRecentUploads(['acme'], 2)).map((r) => r.version), ['v2.0.0+incompatible', 'v0.1.0']);
        assert.deepEqual((await c.listOwnerModules('acme', 10)).map((m) => m.modulePath).sort(), ['example.com/Acme/Tool', 'example.com/acme/lib', 'example.com/acme/library']);
        assert.equal((await c.listOwnerModules('acme', 1)).length, 1);
        const hosted = await c.findHostedModules(['acme'], ['example.com/acme/lib', 'example.com/hidden/thing', 'golang.org/x/text']);
        assert.deepEqual([...hosted], [['example.com/acme/lib', 'acme']]);
        const details = await c.listVersionDetails('acme', 'example.com/acme/lib');
        assert.deepEqual(details.map((d) => [d.version, d.zipSize, d.zipHash, d.goModHash]).sort(), [['v1.0.0', 10, 'h1:z', 'h1:m'], ['v1.1.0', 10, 'h1:z', 'h1:m']]);
        assert.ok(details[0]!.createdAt instanceof Date);
      }));

    test('the prefix and recent-upload queries can use their indexes', () =>
      seeded(open, async (db) => {
        const plans = await db.transaction(async (tx) => {
          await tx.query('SET LOCAL enable_seqscan = off');
          const explain = async (sql: string, params: unknown[]) => (await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).map((r) => r['QUERY PLAN']).join('\n');
          return {
            prefix: await explain(`SELECT module_path FROM module_versions WHERE (module_path COLLATE "C") >= $1 AND (module_path COLLATE "C") < $2`, ['example.com/a', 'example.com/a\u007f']),
            recent: await explain('SELECT version FROM module_versions ORDER BY created_at DESC LIMIT 5', []),
          };
        });
        assert.match(plans.prefix, /module_versions_module_path_c_idx/);
        assert.match(plans.recent, /module_versions_created_at_idx/);
      }));

    test('sessions: found by digest until they expire, removed one by one or when expired', () =>
      seeded(open, async (db) => {
        const s = new SqlSessionRepository(db);
        const now = new Date();
        await s.saveSession({ idDigest: 'a1', tokenDigest: 't1', expiresAt: new Date(now.getTime() + 60_000) });
        await s.saveSession({ idDigest: 'a2', tokenDigest: 't1', expiresAt: new Date(now.getTime() - 1) });
        assert.equal((await s.findSession('a1', now))?.tokenDigest, 't1');
        assert.equal(await s.findSession('a2', now), undefined, 'expired');
        assert.equal(await s.findSession('a1', new Date(now.getTime() + 61_000)), undefined);
        assert.equal(await s.removeExpired(now), 1);
        await s.removeSession('a1');
        assert.equal(await s.findSession('a1', now), undefined);
      }));
  });
}
