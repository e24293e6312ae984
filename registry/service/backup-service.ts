/**
 * A backup taken while the registry serves: the database dump first, then a copy of the
 * blob files, with every removal of a blob file held off from before the dump until the copy
 * is complete. Why this order, and why the hold:
 *
 * - A version's file is placed (durably) before the commit that lists it, and files never
 *   change (content-addressed). So every version in the dump has its file in storage when
 *   the dump's snapshot is taken, and a copy made after it finds the file, unless something
 *   removed it in between.
 * - Files are removed only by the blob collector, after the commit that dropped their last
 *   reference: a delete committed after the snapshot would remove a file the dump still
 *   lists, right away (the sweeper's grace period counts from the file's writing, not from
 *   its last reference). Holding removals off closes that gap: they leave their files to a
 *   later sweep while a backup runs.
 * - The other order (copy, then dump) loses every version uploaded during the copy: listed
 *   in the dump, no file in the copy.
 *
 * Files uploaded after the snapshot are copied too; no restored version references them and
 * the restored registry's sweeper removes them after SWEEP_GRACE_SECONDS.
 */
import { constants } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore } from '../blob/blob-store.js';
import type { DatabaseDump, FileRemovals } from '../repository/backup-ports.js';

export const DUMP_FILE = 'database.dump';

export interface BackupResult {
  dir: string;
  dumpFile: string;
  blobs: number;
  bytes: number;
  startedAt: Date;
  seconds: number;
}

export class BackupService {
  constructor(
    private readonly removals: FileRemovals,
    private readonly dump: DatabaseDump,
    private readonly blobs: BlobStore,
    /** Files of the instance a restore needs too (the generated checksum-database signing key), copied with mode 0600. */
    private readonly secretFiles: string[] = [],
    private readonly now: () => number = Date.now,
  ) {}

  async backup(dir: string): Promise<BackupResult> {
    await mkdir(dir, { recursive: true });
    if ((await readdir(dir)).length > 0) throw new Error(`${dir} is not empty: a backup goes into a new folder`);
    const started = this.now();
    const hold = await this.removals.holdOff();
    let copied;
    try {
      await this.dump.dumpTo(path.join(dir, DUMP_FILE));
      copied = await this.blobs.copyTo(dir);
      for (const file of this.secretFiles) await copyFile(file, path.join(dir, path.basename(file)), constants.COPYFILE_EXCL).then(() => chmod(path.join(dir, path.basename(file)), 0o600));
    } finally {
      await hold.release();
    }
    const result: BackupResult = {
      dir,
      dumpFile: path.join(dir, DUMP_FILE),
      blobs: copied.count,
      bytes: copied.bytes,
      startedAt: new Date(started),
      seconds: (this.now() - started) / 1000,
    };
    // Written last: a folder without it is an unfinished backup.
    await writeFile(path.join(dir, 'backup.json'), JSON.stringify({ ...result, dir: undefined, dumpFile: DUMP_FILE }, null, 2) + '\n');
    return result;
  }
}
