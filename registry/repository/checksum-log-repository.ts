/**
 * Storage port of the registry's checksum database (a tlog transparency log): records,
 * stored hashes and signed tree heads. Appends happen inside the transaction that records
 * a version (`ChecksumLogTx`), one writer at a time across replicas and workers; reads
 * see only committed appends. Adapter: `sql/sql-checksum-log.ts`.
 */
import type { Hash } from '../domain/sumdb/tlog.js';

export interface LoggedRecord {
  id: number;
  modulePath: string;
  version: string;
  zipHash: string;
  goModHash: string;
  /** The hosting owner, or undefined for a public module the pull-through cache verified. */
  owner: string | undefined;
  text: Buffer;
}

export interface SignedHead {
  size: number;
  root: Hash;
  note: Buffer;
}

/** Reads of the committed log. */
export interface ChecksumLogReader {
  findRecord(modulePath: string, version: string): Promise<LoggedRecord | undefined>;
  /** Records id … id+count-1 in order (fewer when the log is shorter). */
  readRecords(id: number, count: number): Promise<LoggedRecord[]>;
  /** Stored hashes by index, in the order asked; a missing one throws. */
  readHashes(indexes: readonly number[]): Promise<Hash[]>;
  latestHead(): Promise<SignedHead | undefined>;
  /** Every signed head, oldest first (for audits). */
  listHeads(): Promise<SignedHead[]>;
}

/** The log inside a transaction: appends become visible at commit. */
export interface ChecksumLogTx extends ChecksumLogReader {
  /** Serialises appends across processes until commit. */
  lockLog(): Promise<void>;
  /** Records in the log (the next record's id). */
  size(): Promise<number>;
  appendRecord(record: LoggedRecord, hashes: { index: number; hash: Hash }[]): Promise<void>;
  saveHead(head: SignedHead): Promise<void>;
}

export interface ChecksumLogRepository extends ChecksumLogReader {
  /** Runs fn with the log in a transaction of its own (appends outside a publish: the start-up backfill). */
  transaction<T>(fn: (tx: ChecksumLogTx) => Promise<T>): Promise<T>;
  /** Hosted and cached versions (with a zip or verified hashes) not yet in the log, oldest first. */
  listUnlogged(limit: number): Promise<{ modulePath: string; version: string; zipHash: string; goModHash: string; owner: string | undefined }[]>;
}
