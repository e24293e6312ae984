/**
 * Blob files and their references on a real database and a real blob folder: the
 * collector removes a file only when no committed version references it, the sweeper
 * removes what a crash left (unreferenced blobs, stale temp files) and nothing younger
 * than its grace period, and neither ever removes the file of a publish in flight.
 * Run for every SqlDatabase adapter, on the filesystem blob store unless told another.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { utimes, writeFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import type { BlobStore } from '../../registry/blob/blob-store.js';
import { FsBlobStore } from '../../registry/blob/fs-blob-store.js';
import type { NewModuleVersion } from '../../registry/domain/module-version.js';
import { migrate } from '../../registry/repository/sql/migrate.js';
import { SqlModuleVersionRepository } from '../../registry/repository/sql/sql-module-version-repository.js';
import type { SqlDatabase } from '../../registry/repository/sql/sql-database.js';
import { BlobCollector } from '../../registry/service/blob-collector.js';
import { BlobSweeper } from '../../registry/service/blob-sweeper.js';
import { DeleteService } from '../../registry/service/delete-service.js';
import type { ModuleVersionRepository } from '../../registry/repository/module-version-repository.js';
import { crashLeftoverPath } from '../support/crash-leftover.js';
import { tempDir } from '../support/paths.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const HOUR = 3_600_000;

interface World {
  repo: SqlModuleVersionRepository;
  blobs: BlobStore;
  collector: BlobCollector;
  sweeper: (graceMs?: number) => BlobSweeper;
  /** Stores content as a blob file (no row), written `ageMs` ago. */
  storeFile(content: string, ageMs?: number): Promise<string>;
  /** A temp file written `ageMs` ago, by a process that crashed since or by an upload still in flight here. */
  tempFile(content: string, ageMs: number, leftBy?: 'crash' | 'in-flight'): Promise<string>;
  publishRow(version: string, blob: string): Promise<void>;
}

const row = (version: string, blob: string): NewModuleVersion => ({
  owner: 'acme', modulePath: 'example.com/m', version, blobSha256: blob, zipSize: 1, zipHash: 'h1:z', goMod: undefined, goModHash: 'h1:m',
});

async function age(file: string, ageMs: number) {
  const at = new Date(Date.now() - ageMs);
  await utimes(file, at, at);
}

export interface BlobLifecycleOptions {
  /** The blob store, with its temp files in `dir`; FsBlobStore by default. */
  openBlobs?: (dir: string) => Promise<BlobStore>;
  /**
   * Whether a blob keeps the time of its temp file (a rename does; an upload to S3 is dated by the
   * server): the sweeper's grace test needs blobs of the past. Default true.
   */
  blobsKeepFileTimes?: boolean;
}

export function runBlobLifecycleSuite(name: string, open: () => Promise<SqlDatabase>, options: BlobLifecycleOptions = {}): void {
  const openBlobs = options.openBlobs ?? ((dir: string) => FsBlobStore.open(dir));
  describe(`blob lifecycle on ${name}`, () => {
    const withWorld = async (fn: (w: World) => Promise<void>) => {
      const db = await open();
      const { dir, remove } = await tempDir('lifecycle');
      const blobs = await openBlobs(dir);
      try {
        await migrate(db);
        await db.query("INSERT INTO owners (name, visibility) VALUES ('acme', 'public')");
        const repo = new SqlModuleVersionRepository(db);
        const collector = new BlobCollector(repo, blobs);
        await fn({
          repo,
          blobs,
          collector,
          sweeper: (graceMs = HOUR) => new BlobSweeper(repo, blobs, collector, graceMs),
          async storeFile(content, ageMs = 0) {
            const temp = blobs.tempPath();
            await writeFile(temp, content);
            await age(temp, ageMs);
            await blobs.put(sha(content), temp);
            return sha(content);
          },
          async tempFile(content, ageMs, leftBy = 'crash') {
            const temp = leftBy === 'crash' ? await crashLeftoverPath(blobs) : blobs.tempPath();
            await writeFile(temp, content);
            await age(temp, ageMs);
            return temp;
          },
          publishRow: (version, blob) => repo.transaction((tx) => tx.saveVersion(row(version, blob))),
        });
      } finally {
        await blobs.close();
        await db.close();
        await remove();
      }
    };

    if (options.blobsKeepFileTimes !== false) test('the sweeper removes unreferenced blobs and temp files older than its grace, and nothing else', async () => {
      await withWorld(async (w) => {
        const orphan = await w.storeFile('left by a crash before commit', 2 * HOUR);
        const young = await w.storeFile('placed a moment ago', 0);
        const used = await w.storeFile('referenced', 2 * HOUR);
        await w.publishRow('v1.0.0', used);
        const staleTemp = await w.tempFile('an upload that never finished', 2 * HOUR);
        const youngTemp = await w.tempFile('an upload a crash cut a moment ago', 0);
        const liveTemp = await w.tempFile('an upload in flight for hours', 2 * HOUR, 'in-flight');
        const result = await w.sweeper().sweep();
        assert.deepEqual(result, {
          blobs: 1, blobBytes: 'left by a crash before commit'.length,
          temps: 1, tempBytes: 'an upload that never finished'.length,
        });
        assert.equal(await w.blobs.stat(orphan), undefined);
        assert.notEqual(await w.blobs.stat(young), undefined, 'younger than the grace period');
        assert.notEqual(await w.blobs.stat(used), undefined, 'referenced');
        const temps = await w.blobs.removeTempsOlderThan(new Date(Date.now() + HOUR));
        assert.equal(temps.count, 1, `only the young temp file was left (${staleTemp} went, ${youngTemp} stayed)`);
        assert.ok(existsSync(liveTemp), 'an upload in flight keeps its file, whatever its age and the cutoff');
        await w.blobs.releaseTemp(liveTemp);
        assert.equal(existsSync(liveTemp), false, 'released, it is gone');
        assert.deepEqual(await w.sweeper().sweep(), { blobs: 0, blobBytes: 0, temps: 0, tempBytes: 0 }, 'a second sweep finds nothing');
      });
    });

    test('the collector keeps a blob another version still references', async () => {
      await withWorld(async (w) => {
        const shared = await w.storeFile('shared');
        await w.publishRow('v1.0.0', shared);
        await w.publishRow('v1.1.0', shared);
        await w.repo.transaction((tx) => tx.removeVersion('acme', 'example.com/m', 'v1.0.0'));
        assert.deepEqual(await w.collector.removeUnreferenced([shared]), { count: 0, bytes: 0, held: 0 });
        assert.notEqual(await w.blobs.stat(shared), undefined);
        await w.repo.transaction((tx) => tx.removeVersion('acme', 'example.com/m', 'v1.1.0'));
        assert.deepEqual(await w.collector.removeUnreferenced([shared, shared]), { count: 1, bytes: 'shared'.length, held: 0 });
        assert.equal(await w.blobs.stat(shared), undefined);
      });
    });

    test('a sweep (grace 0) during a publish that placed its file but has not committed leaves the file, and the version downloads', async () => {
      await withWorld(async (w) => {
        const content = 'published while the sweeper runs';
        const key = sha(content);
        const temp = await w.tempFile(content, 0);
        let placed!: () => void;
        const isPlaced = new Promise<void>((r) => (placed = r));
        let commit!: () => void;
        const mayCommit = new Promise<void>((r) => (commit = r));
        await w.blobs.prepare(temp);
        const publish = w.repo.transaction(async (tx) => {
          await tx.saveVersion(row('v2.0.0', key));
          await tx.lockBlob(key);
          await w.blobs.put(key, temp);
          placed();
          await mayCommit;
        });
        await isPlaced;
        const sweep = w.sweeper(0).sweep();
        // Give the sweep every chance to remove the file before the publish commits.
        await new Promise((r) => setTimeout(r, 200));
        commit();
        await publish;
        await sweep;
        assert.equal(await w.blobs.stat(key), content.length, 'the file of the committed version is there');
        assert.deepEqual(await w.repo.findReferencedBlobs([key]), new Set([key]));
      });
    });

    test('a delete whose commit fails keeps the version and its file', async () => {
      await withWorld(async (w) => {
        const key = await w.storeFile('kept when the commit fails');
        await w.publishRow('v1.0.0', key);
        // The repository as a database whose COMMIT fails: the transaction's work is rolled back.
        const failingCommit: ModuleVersionRepository = {
          ...w.repo,
          findVersion: (...a) => w.repo.findVersion(...a),
          listVersions: (...a) => w.repo.listVersions(...a),
          findReferencedBlobs: (keys) => w.repo.findReferencedBlobs(keys),
          listBlobReferences: () => w.repo.listBlobReferences(),
          transaction: (fn) =>
            w.repo.transaction(async (tx) => {
              await fn(tx);
              throw new Error('COMMIT failed: connection lost');
            }),
        };
        await assert.rejects(new DeleteService(failingCommit, w.collector).deleteVersion('acme', 'example.com/m', 'v1.0.0'), /COMMIT failed/);
        assert.ok(await w.repo.findVersion('acme', 'example.com/m', 'v1.0.0'), 'still listed');
        assert.equal(await w.blobs.stat(key), 'kept when the commit fails'.length, 'and its file is there');
      });
    });

    test('a publish of the same bytes while the last reference is being collected ends with its file in place', async () => {
      await withWorld(async (w) => {
        const content = 'deleted and published again at once';
        const key = await w.storeFile(content);
        await w.publishRow('v1.0.0', key);
        await w.repo.transaction((tx) => tx.removeVersion('acme', 'example.com/m', 'v1.0.0'));
        for (let i = 0; i < 5; i++) {
          const temp = await w.tempFile(content, 0);
          await w.blobs.prepare(temp);
          const version = `v1.0.${i + 1}`;
          const republish = w.repo.transaction(async (tx) => {
            await tx.saveVersion(row(version, key));
            await tx.lockBlob(key);
            await w.blobs.put(key, temp);
          });
          await Promise.all([republish, w.collector.removeUnreferenced([key])]);
          assert.equal(await w.blobs.stat(key), content.length, `round ${i}: the republished version's file exists`);
          await w.repo.transaction((tx) => tx.removeVersion('acme', 'example.com/m', version));
          await w.collector.removeUnreferenced([key]);
          assert.equal(await w.blobs.stat(key), undefined);
        }
      });
    });
  });
}
