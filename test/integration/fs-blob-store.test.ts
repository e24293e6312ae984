import { after } from 'node:test';
import { FsBlobStore } from '../../registry/blob/fs-blob-store.js';
import { runBlobStoreSuite } from '../contract/blob-store.suite.js';
import { tempDir } from '../support/paths.js';

const removals: (() => Promise<void>)[] = [];
after(() => Promise.all(removals.map((r) => r())));

runBlobStoreSuite('filesystem', async () => {
  const { dir, remove } = await tempDir('blobs');
  removals.push(remove);
  return FsBlobStore.open(dir);
});
