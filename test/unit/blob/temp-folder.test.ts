/**
 * The temp folder's sweep takes only what nobody writes: released temp files of this
 * process and those of processes that are gone, past the cutoff; never one in use here,
 * nor a live sibling's (WORKERS), whatever the cutoff.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { TempFolder } from '../../../registry/blob/temp-folder.js';
import { tempDir } from '../../support/paths.js';

const SELF = 1000;
const SIBLING = 1001;
const GONE = 1002;
const later = () => new Date(Date.now() + 3_600_000);

async function folder() {
  const { dir, remove } = await tempDir('temp-folder');
  const live = new Set([SELF, SIBLING]);
  const mine = new TempFolder(path.join(dir, 'tmp'), SELF, (pid) => live.has(pid));
  await mine.create();
  const sibling = new TempFolder(mine.dir, SIBLING, (pid) => live.has(pid));
  const gone = new TempFolder(mine.dir, GONE, (pid) => live.has(pid));
  return { mine, sibling, gone, remove };
}

test('a temp file in use is kept whatever the cutoff; released, it is removed at once', async () => {
  const { mine, remove } = await folder();
  try {
    const file = mine.path();
    await writeFile(file, 'in flight');
    assert.deepEqual(await mine.removeOlderThan(later()), { count: 0, bytes: 0 });
    assert.ok(existsSync(file));
    await mine.release(file);
    assert.equal(existsSync(file), false);
  } finally {
    await remove();
  }
});

test("a live sibling's temp files are its own to sweep; a gone process's go once past the cutoff", async () => {
  const { mine, sibling, gone, remove } = await folder();
  try {
    const theirs = sibling.path();
    const crashed = gone.path();
    const crashedYoung = gone.path();
    await writeFile(theirs, 'a sibling worker writes this');
    await writeFile(crashed, 'left by a crash');
    await writeFile(crashedYoung, 'left by a crash just now');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(crashed, hourAgo, hourAgo);
    await utimes(theirs, hourAgo, hourAgo);
    const removed: string[] = [];
    const cutoff = new Date(Date.now() - 60_000);
    assert.deepEqual(await mine.removeOlderThan(cutoff, (f) => removed.push(f)), { count: 1, bytes: 'left by a crash'.length });
    assert.deepEqual(removed, [crashed]);
    assert.ok(existsSync(theirs) && existsSync(crashedYoung));
    // The sibling, whose file it is, sweeps it once released.
    await sibling.release(theirs);
    assert.equal(existsSync(theirs), false);
  } finally {
    await remove();
  }
});

test('files of another naming (older releases, strays) are swept by age alone; readiness probes never', async () => {
  const { mine, remove } = await folder();
  try {
    const stray = path.join(mine.dir, 'upload-0f1e2d');
    const probe = path.join(mine.dir, '.ready-abc');
    await writeFile(stray, 'an older release left this');
    await writeFile(probe, '');
    assert.deepEqual(await mine.removeOlderThan(later()), { count: 1, bytes: 'an older release left this'.length });
    assert.equal(existsSync(stray), false);
    assert.ok(existsSync(probe));
  } finally {
    await remove();
  }
});
