/**
 * Ports of a backup (service/backup-service.ts) besides the blob store: holding off the
 * removal of blob files everywhere while it runs, and a consistent dump of the database.
 * Adapters: `sql/pg-backup.ts` (PostgreSQL).
 */
export interface RemovalHold {
  release(): Promise<void>;
}

export interface FileRemovals {
  /**
   * Resolves once no blob file is being removed anywhere (every replica and worker) and none
   * will be until release: removals meanwhile leave their files for a later sweep.
   */
  holdOff(): Promise<RemovalHold>;
}

export interface DatabaseDump {
  /** Writes a snapshot of the whole database, as of a moment during the call, to file. */
  dumpTo(file: string): Promise<void>;
}
