/**
 * The storage contract, run unchanged against every SqlDatabase adapter
 * (PostgreSQL and PGlite): migrations, not-found, prefix collisions, the unique
 * constraint as Conflict, rollbacks, concurrent duplicate publishes, blob references.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomainError } from '../../registry/domain/domain-error.js';
import type { NewModuleVersion } from '../../registry/domain/module-version.js';
import { loadMigrations, migrate } from '../../registry/repository/sql/migrate.js';
import { SqlModuleVersionRepository } from '../../registry/repository/sql/sql-module-version-repository.js';
import { SqlOwnerRepository } from '../../registry/repository/sql/sql-owner-repository.js';
import type { SqlDatabase } from '../../registry/repository/sql/sql-database.js';

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
    /** A migrated database with owners acme and other, closed after fn however it ends. */
    const withRepo = async (fn: (repo: SqlModuleVersionRepository) => Promise<void>) => {
      const db = await open();
      try {
        await migrate(db);
        for (const owner of ['acme', 'other']) await db.query("INSERT INTO owners (name, visibility) VALUES ($1, 'public')", [owner]);
        await fn(new SqlModuleVersionRepository(db));
      } finally {
        await db.close();
      }
    };

    test('migrations apply once, even when started together', async () => {
      const db = await open();
      try {
        const [a, b] = await Promise.all([migrate(db), migrate(db)]);
        assert.equal(a.length + b.length, (await loadMigrations()).length, 'each migration is applied exactly once');
        assert.deepEqual(await migrate(db), []);
      } finally {
        await db.close();
      }
    });

    test('saves, finds and lists; bytes and times survive', () =>
      withRepo(async (repo) => {
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
      }));

    test('not found, and no prefix or case collisions between modules and owners', () =>
      withRepo(async (repo) => {
        await repo.transaction((tx) => tx.saveVersion(version()));
        assert.equal(await repo.findVersion('acme', 'example.com/m', 'v9.9.9'), undefined);
        assert.deepEqual(await repo.listVersions('acme', 'example.com/m-other'), []);
        assert.deepEqual(await repo.listVersions('acme', 'example.com'), []);
        assert.deepEqual(await repo.listVersions('acme', 'example.com/M'), []);
        assert.deepEqual(await repo.listVersions('other', 'example.com/m'), []);
        await repo.transaction((tx) => tx.saveVersion(version({ modulePath: 'example.com/M' })));
        assert.equal((await repo.listVersions('acme', 'example.com/M')).length, 1);
      }));

    test('a duplicate version is a Conflict and rolls its transaction back', () =>
      withRepo(async (repo) => {
        await repo.transaction((tx) => tx.saveVersion(version()));
        await assert.rejects(
          repo.transaction((tx) => tx.saveVersion(version({ blobSha256: 'b'.repeat(64) }))),
          (e: unknown) => e instanceof DomainError && e.kind === 'Conflict',
        );
        assert.equal((await repo.findVersion('acme', 'example.com/m', 'v1.0.0'))?.blobSha256, 'a'.repeat(64));
      }));

    test('a failure later in the transaction leaves nothing behind', () =>
      withRepo(async (repo) => {
        await assert.rejects(
          repo.transaction(async (tx) => {
            await tx.saveVersion(version());
            throw new Error('blob placement failed');
          }),
          /blob placement failed/,
        );
        assert.equal(await repo.findVersion('acme', 'example.com/m', 'v1.0.0'), undefined);
      }));

    test('concurrent publishes of one version: exactly one wins', () =>
      withRepo(async (repo) => {
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
      }));

    test('every blob reference, hosted and cached, by blob; removals allowed while no backup runs', () =>
      withRepo(async (repo) => {
        await repo.transaction((tx) => tx.saveVersion(version({ blobSha256: 'b'.repeat(64), zipSize: 7 })));
        await repo.transaction((tx) => tx.saveVersion(version({ owner: 'other', blobSha256: 'b'.repeat(64), zipSize: 7 })));
        await repo.transaction((tx) => tx.saveVersion(version({ version: 'v1.1.0', blobSha256: 'c'.repeat(64), zipSize: 9 })));
        const refs = await repo.listBlobReferences();
        assert.deepEqual(
          refs.map((r) => [r.source, r.owner, r.version, r.blobSha256[0], r.zipSize]),
          [
            ['hosted', 'acme', 'v1.0.0', 'b', 7],
            ['hosted', 'other', 'v1.0.0', 'b', 7],
            ['hosted', 'acme', 'v1.1.0', 'c', 9],
          ],
        );
        assert.equal(await repo.transaction((tx) => tx.mayRemoveFiles()), true);
      }));

    test('remove returns the blob and counts remaining references', () =>
      withRepo(async (repo) => {
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
      }));
  });
}

/** Owners and tokens, on the same adapters. */
export function runOwnerRepositorySuite(name: string, open: () => Promise<SqlDatabase>): void {
  describe(`owner repository on ${name}`, () => {
    test('owners, tokens by digest, scopes as arrays, cascade on owner removal', async () => {
      const db = await open();
      try {
        await migrate(db);
        const repo = new SqlOwnerRepository(db);
        await repo.transaction((tx) => tx.insertOwner('acme', { visibility: 'private', managedBy: 'uid-1', claims: ['example.com/acme'], upstream: true }));
        const acme = await repo.findOwner('acme');
        assert.equal(acme?.managedBy, 'uid-1');
        assert.deepEqual([acme?.claims, acme?.upstream], [['example.com/acme'], true], 'claims and the fall-through switch round-trip');
        await repo.saveToken({ owner: 'acme', name: 'ci', digest: 'd'.repeat(64), scopes: ['read', 'write'] });
        const found = await repo.findTokenByDigest('d'.repeat(64));
        assert.deepEqual(found?.scopes, ['read', 'write']);
        assert.equal(found?.expiresAt, undefined);
        const when = new Date('2030-01-02T03:04:05Z');
        await repo.saveToken({ owner: 'acme', name: 'ci', scopes: ['read'], expiresAt: when });
        assert.equal((await repo.findToken('acme', 'ci'))?.digest, 'd'.repeat(64), 'no digest keeps the secret');
        assert.equal((await repo.findToken('acme', 'ci'))?.expiresAt?.getTime(), when.getTime());
        await assert.rejects(
          repo.saveToken({ owner: 'acme', name: 'other', digest: 'd'.repeat(64), scopes: ['read'] }),
          (e: unknown) => e instanceof DomainError && e.kind === 'Conflict',
        );
        const listed = await repo.listTokens('acme');
        assert.equal(listed.length, 1);
        assert.ok(!('digest' in listed[0]!), 'listings never carry the digest');
        await repo.transaction((tx) => tx.removeOwner('acme'));
        assert.equal(await repo.findTokenByDigest('d'.repeat(64)), undefined);
      } finally {
        await db.close();
      }
    });
  });
}
