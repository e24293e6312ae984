/**
 * PublishService's order of work, with a real blob folder and a recording repository:
 * the slow fsync of the upload (BlobStore.prepare) happens before the transaction, so
 * neither the blob lock nor a pool connection is held during it; inside the transaction
 * the row comes first (a duplicate is refused before any file is placed), then the lock,
 * then the quick placement.
 */
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { FsBlobStore } from '../../../registry/blob/fs-blob-store.js';
import { conflict, type DomainError } from '../../../registry/domain/domain-error.js';
import type { ModuleVersionRepository, ModuleVersionTx } from '../../../registry/repository/module-version-repository.js';
import { PublishService } from '../../../registry/service/publish-service.js';
import type { VersionLog } from '../../../registry/service/checksum-log.js';
import { makeModuleZip } from '../../support/module-zips.js';
import { tempDir } from '../../support/paths.js';

const removals: (() => Promise<void>)[] = [];

/** The checksum log, as far as publish sees it: one step, refusing other bytes for a logged version. */
const recordingLog = (steps: string[], logged = new Map<string, string>()): VersionLog => ({
  append: async (_tx, e) => {
    steps.push('log record');
    const known = logged.get(`${e.modulePath}@${e.version}`);
    if (known && known !== e.zipHash) throw conflict(`${e.modulePath}@${e.version} is logged as ${known}`);
    return known ? 'logged' : 'appended';
  },
});
after(() => Promise.all(removals.map((r) => r())));

function recordingRepo(steps: string[], existing = new Set<string>()): ModuleVersionRepository {
  const tx: ModuleVersionTx = {
    saveVersion: async (v) => {
      steps.push('insert row');
      if (existing.has(v.version)) throw conflict(`${v.modulePath}@${v.version} already exists`);
    },
    removeVersion: async () => undefined,
    lockBlob: async () => void steps.push('lock blob'),
    countBlobReferences: async () => 0,
    mayRemoveFiles: async () => true,
    claimOwner: async () => undefined,
    checksumLog: {} as ModuleVersionTx['checksumLog'],
  };
  return {
    findVersion: async () => undefined,
    listVersions: async () => [],
    findReferencedBlobs: async () => new Set(),
    listBlobReferences: async () => [],
    transaction: async (fn) => {
      steps.push('begin');
      try {
        return await fn(tx);
      } finally {
        steps.push('end');
      }
    },
  };
}

async function setUp() {
  const { dir, remove } = await tempDir('publish-order');
  removals.push(remove);
  const store = await FsBlobStore.open(dir);
  const steps: string[] = [];
  const blobs = Object.assign(Object.create(store) as FsBlobStore, {
    prepare: async (file: string) => (steps.push('fsync upload'), store.prepare(file)),
    put: async (key: string, file: string) => (steps.push('place blob'), store.put(key, file)),
  });
  const body = async () => {
    const zip = await readFile(await makeModuleZip(dir, 'example.com/order', 'v1.0.0'));
    return { stream: Readable.from([zip]), declaredLength: zip.length };
  };
  return { store, steps, blobs, body };
}

test('the upload is made durable before the transaction; inside it: row, lock, placement', async () => {
  const { steps, blobs, body, store } = await setUp();
  await new PublishService(recordingRepo(steps), blobs, 1024 * 1024, recordingLog(steps)).publish('acme', await body());
  assert.deepEqual(steps, ['fsync upload', 'begin', 'insert row', 'log record', 'lock blob', 'place blob', 'end']);
  assert.ok(await firstBlob(store), 'the blob is stored');
});

test('a duplicate is refused by its row before any file is placed, and leaves no temp file', async () => {
  const { steps, blobs, body, store } = await setUp();
  const service = new PublishService(recordingRepo(steps, new Set(['v1.0.0'])), blobs, 1024 * 1024, recordingLog(steps));
  await assert.rejects(service.publish('acme', await body()), /already exists/);
  assert.deepEqual(steps, ['fsync upload', 'begin', 'insert row', 'end']);
  assert.equal(await firstBlob(store), undefined);
  assert.deepEqual(await store.removeTempsOlderThan(new Date(Date.now() + 60_000)), { count: 0, bytes: 0 });
});

async function firstBlob(store: FsBlobStore): Promise<string | undefined> {
  for await (const blob of store.list()) return blob.key;
  return undefined;
}

test('a version logged with other bytes is refused inside the transaction, before any file is placed', async () => {
  const { steps, blobs, body, store } = await setUp();
  const log = recordingLog(steps, new Map([['example.com/order@v1.0.0', 'h1:other=']]));
  await assert.rejects(new PublishService(recordingRepo(steps), blobs, 1024 * 1024, log).publish('acme', await body()), /is logged as h1:other=/);
  assert.deepEqual(steps, ['fsync upload', 'begin', 'insert row', 'log record', 'end']);
  assert.equal(await firstBlob(store), undefined);
});

test('an upload whose temp file a sweep removed meanwhile is a 503 to retry, not a 500, and stores nothing', async () => {
  const { steps, blobs, body, store } = await setUp();
  const swept = Object.assign(Object.create(blobs) as typeof blobs, { prepare: async (file: string) => (await rm(file), blobs.prepare(file)) });
  await assert.rejects(new PublishService(recordingRepo(steps), swept, 1024 * 1024, recordingLog(steps)).publish('acme', await body()), (err: DomainError) => {
    assert.equal(err.kind, 'Unavailable');
    assert.match(err.message, /removed from the temporary folder .*send it again/);
    return true;
  });
  assert.equal(await firstBlob(store), undefined);
});
