/**
 * Commands of `node dist/registry/main.js <command>` besides serving, wired like the server
 * (adapters → services) from the same environment:
 *
 *   check-storage [--repair]   the storage check (service/storage-check.ts); exit 1 on problems
 *   backup <folder>            a backup while the registry serves (service/backup-service.ts); PostgreSQL only
 *   generate-sumdb-key [name]  prints a new signing key for the checksum database (for a Secret)
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { generateKey, isValidName } from '../domain/sumdb/note.js';
import { PgDump, PgFileRemovals } from '../repository/sql/pg-backup.js';
import { SqlModuleVersionRepository } from '../repository/sql/sql-module-version-repository.js';
import { openBlobStore, openDatabase } from '../server.js';
import { BackupService } from '../service/backup-service.js';
import { BlobCollector } from '../service/blob-collector.js';
import { BlobSweeper } from '../service/blob-sweeper.js';
import { StorageCheck, type StorageReport } from '../service/storage-check.js';

export const USAGE = `usage: node dist/registry/main.js [command]
  (no command)               serve
  check-storage [--repair]   report listed versions whose blob is missing or holds other bytes; --repair also
                             removes unreferenced blobs and stale temp files older than SWEEP_GRACE_SECONDS
  backup <folder>            pg_dump of DATABASE_URL plus a copy of the blobs, while the registry serves
  generate-sumdb-key [name]  print a new signing key for the checksum database named name (default SUMDB_NAME),
                             e.g. for the Secret several replicas share (SUMDB_SIGNING_KEY)`;

export type Print = (line: string) => void;

/** Runs a command; resolves the exit code (2: usage or configuration). */
export async function runCommand(args: string[], config: Config, print: Print, printError: Print): Promise<number> {
  const [command, ...rest] = args;
  if (command === 'check-storage' && rest.every((a) => a === '--repair')) return checkStorage(config, rest.includes('--repair'), print);
  if (command === 'backup' && rest.length === 1) {
    if (!config.databaseUrl) {
      printError('backup needs DATABASE_URL (PostgreSQL). With the embedded database, stop the registry and copy DATA_DIR (and STORAGE_DIR, when set elsewhere).');
      return 2;
    }
    return backup(config, config.databaseUrl, path.resolve(rest[0]!), print);
  }
  if (command === 'generate-sumdb-key' && rest.length <= 1) {
    const name = rest[0] ?? config.sumdb.name;
    if (!isValidName(name)) {
      printError(`generate-sumdb-key: ${JSON.stringify(name)} is not a checksum database name (no spaces or "+", not empty)`);
      return 2;
    }
    print(generateKey(name).skey);
    return 0;
  }
  printError(USAGE);
  return 2;
}

async function checkStorage(config: Config, repair: boolean, print: Print): Promise<number> {
  const db = await openDatabase(config);
  const blobs = await openBlobStore(config);
  try {
    const repo = new SqlModuleVersionRepository(db);
    const sweeper = new BlobSweeper(repo, blobs, new BlobCollector(repo, blobs), config.sweepGraceMs);
    const report = await new StorageCheck(repo, blobs, sweeper).check({ repair });
    for (const line of describe(report)) print(line);
    return report.problems.length === 0 ? 0 : 1;
  } finally {
    await blobs.close();
    await db.close();
  }
}

export function describe(report: StorageReport): string[] {
  const lines = report.problems.map((p) => {
    const r = p.reference;
    const what = r.source === 'hosted' ? `${r.owner}/${r.modulePath}@${r.version}` : `pull-through cache ${r.modulePath}@${r.version}`;
    return `${p.kind} ${what}: ${p.detail}`;
  });
  const count = (kind: string) => report.problems.filter((p) => p.kind === kind).length;
  lines.push(
    `checked ${report.references} versions referencing ${report.blobs} blobs: ${count('missing')} missing, ${count('corrupt')} corrupt; ` +
      `${report.unreferenced.count} unreferenced blobs (${report.unreferenced.bytes} bytes)`,
  );
  if (report.repaired) {
    const r = report.repaired;
    lines.push(`repaired: removed ${r.blobs} unreferenced blobs (${r.blobBytes} bytes) and ${r.temps} stale temp files (${r.tempBytes} bytes) older than the grace period`);
  }
  if (report.problems.length > 0) {
    lines.push('versions with a missing or corrupt blob are kept and still listed: restore their files from a backup, or delete them (then publish again)');
  }
  return lines;
}

async function backup(config: Config, databaseUrl: string, dir: string, print: Print): Promise<number> {
  const blobs = await openBlobStore(config);
  try {
    // A generated signing key lives only in DATA_DIR: without it a restored log could not be signed on.
    const keyFile = path.join(config.dataDir, 'sumdb-signing-key');
    const generatedKey = !config.sumdb.signingKey && !config.sumdb.signingKeyFile && existsSync(keyFile) ? [keyFile] : [];
    const service = new BackupService(new PgFileRemovals(databaseUrl), new PgDump(databaseUrl, config.pgDump), blobs, generatedKey);
    const r = await service.backup(dir);
    print(`backup in ${r.dir}: database dump ${path.basename(r.dumpFile)}, ${r.blobs} blobs (${r.bytes} bytes), ${r.seconds.toFixed(1)} s`);
    if (generatedKey.length) print('the backup holds the checksum database\'s signing key (sumdb-signing-key): keep it as secret as the key');
    return 0;
  } finally {
    await blobs.close();
  }
}
