/**
 * The storage contract, run unchanged against every SqlDatabase adapter
 * (PostgreSQL and PGlite): migrations, not-found, prefix collisions, the unique
 * constraint as Conflict, rollbacks, concurrent duplicate publishes, blob references.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomainError } from '../../registry/domain/domain-error.js';
import type { NewModuleVersion } from '../../registry/domain/module-version.js';
import { migrate } from '../../registry/repository/migrate.js';
import { SqlModuleVersionRepository } from '../../registry/repository/module-version-repository.js';
import type { SqlDatabase } from '../../registry/repository/sql-database.js';

const version = (over: Partial<NewModuleVersion> = {}): NewModuleVersion => ({
  owner: 'acme',
  modulePath: 'example.com/m',
  version: 'v1.0.0',
  blobSha256: 'a'.repeat(64),
  zipSize: 123,
  zipHash: 'h1:zip',
  goMod: Buffer.from('module example.com/m\n'),
  goModHash: 'h1:mod',
  ...over,
});

export function runModuleVersionRepositorySuite(name: string, open: () => Promise<SqlDatabase>): void {
  describe(`module version repository on ${name}`, () => {
    const fresh = async () => {
      const db = await open();
      await migrate(db);
      return { db, repo: new SqlModuleVersionRepository(db) };
    };

    test('migrations apply once, even when started together', async () => {
      const db = await open();
      try {
        const [a, b] = await Promise.all([migrate(db), migrate(db)]);
        assert.equal(a.length + b.length, 1, 'the first migration is applied exactly once');
        assert.deepEqual(await migrate(db), []);
      } finally {
        await db.close();
      }
    });

    test('saves, finds and lists; bytes and times survive', async () => {
      const { db, repo } = await fresh();
      try {
        const goMod = Buffer.from([0x6d, 0x6f, 0x64, 0x00, 0xff]);
        await repo.transaction((tx) => tx.saveVersion(version({ goMod })));
        await repo.transaction((tx) => tx.saveVersion(version({ version: 'v1.1.0', goMod: undefined })));
        const found = await repo.findVersion('acme', 'example.com/m', 'v1.0.0');
        assert.ok(found);
        assert.deepEqual(found.goMod, goMod);
        assert.equal(found.zipSize, 123);
        assert.ok(found.createdAt instanceof Date && Date.now() - found.createdAt.getTime() < 60_000);
        assert.equal((await repo.findVersion('acme', 'example.com/m', 'v1.1.0'))?.goMod, undefined);
        const listed = (await repo.listVersions('acme', 'example.com/m')).map((v) => v.version).sort();
        assert.deepEqual(listed, ['v1.0.0', 'v1.1.0']);
      } finally {
        await db.close();
      }
    });

    test('not found, and no prefix or case collisions between modules and owners', async () => {
      const { db, repo } = await fresh();
      try {
        await repo.transaction((tx) => tx.saveVersion(version()));
        assert.equal(await repo.findVersion('acme', 'example.com/m', 'v9.9.9'), undefined);
        assert.deepEqual(await repo.listVersions('acme', 'example.com/m-other'), []);
        assert.deepEqual(await repo.listVersions('acme', 'example.com'), []);
        assert.deepEqual(await repo.listVersions('acme', 'example.com/M'), []);
        assert.deepEqual(await repo.listVersions('other', 'example.com/m'), []);
        await repo.transaction((tx) => tx.saveVersion(version({ modulePath: 'example.com/M' })));
        assert.equal((await repo.listVersions('acme', 'example.com/M')).length, 1);
      } finally {
        await db.close();
      }
    });

    test('a duplicate version is a Conflict and rolls its transaction back', async () => {
      const { db, repo } = await fresh();
      try {
        await repo.transaction((tx) => tx.saveVersion(version()));
        await assert.rejects(
          repo.transaction((tx) => tx.saveVersion(version({ blobSha256: 'b'.repeat(64) }))),
          (e: unknown) => e instanceof DomainError && e.kind === 'Conflict',
        );
        assert.equal((await repo.findVersion('acme', 'example.com/m', 'v1.0.0'))?.blobSha256, 'a'.repeat(64));
      } finally {
        await db.close();
      }
    });

    test('a failure later in the transaction leaves nothing behind', async () => {
      const { db, repo } = await fresh();
      try {
        await assert.rejects(
          repo.transaction(async (tx) => {
            await tx.saveVersion(version());
            throw new Error('blob placement failed');
          }),
          /blob placement failed/,
        );
        assert.equal(await repo.findVersion('acme', 'example.com/m', 'v1.0.0'), undefined);
      } finally {
        await db.close();
      }
    });

    test('concurrent publishes of one version: exactly one wins', async () => {
      const { db, repo } = await fresh();
      try {
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) =>
            repo.transaction(async (tx) => {
              await tx.saveVersion(version({ blobSha256: String(i).repeat(64) }));
              await tx.lockBlob(String(i).repeat(64));
            }),
          ),
        );
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        for (const r of results) {
          if (r.status === 'rejected') assert.equal((r.reason as DomainError).kind, 'Conflict');
        }
      } finally {
        await db.close();
      }
    });

    test('remove returns the blob and counts remaining references', async () => {
      const { db, repo } = await fresh();
      try {
        await repo.transaction(async (tx) => {
          await tx.saveVersion(version());
          await tx.saveVersion(version({ version: 'v1.0.1' })); // same bytes, same blob
        });
        const left = await repo.transaction(async (tx) => {
          const blob = await tx.removeVersion('acme', 'example.com/m', 'v1.0.0');
          assert.equal(blob, 'a'.repeat(64));
          await tx.lockBlob(blob!);
          return tx.countBlobReferences(blob!);
        });
        assert.equal(left, 1);
        assert.equal(await repo.transaction((tx) => tx.removeVersion('acme', 'example.com/m', 'v1.0.0')), undefined);
      } finally {
        await db.close();
      }
    });
  });
}
