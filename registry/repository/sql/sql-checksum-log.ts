/** The checksum log's storage port on SQL (PostgreSQL and PGlite). */
import type { Hash } from '../../domain/sumdb/tlog.js';
import type { ChecksumLogReader, ChecksumLogRepository, ChecksumLogTx, LoggedRecord, SignedHead } from '../checksum-log-repository.js';
import type { SqlClient, SqlDatabase } from './sql-database.js';

/** One advisory lock key for the whole log ('sumdb' as a number). */
const LOG_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtextextended('goregistry:sumdb-log', 0))";

interface RecordRow {
  id: string | number;
  module_path: string;
  version: string;
  zip_hash: string;
  go_mod_hash: string;
  owner: string | null;
  text: Buffer;
}
interface HeadRow {
  size: string | number;
  root: Buffer;
  note: Buffer;
}

const toRecord = (r: RecordRow): LoggedRecord => ({
  id: Number(r.id),
  modulePath: r.module_path,
  version: r.version,
  zipHash: r.zip_hash,
  goModHash: r.go_mod_hash,
  owner: r.owner ?? undefined,
  text: Buffer.from(r.text),
});
const toHead = (r: HeadRow): SignedHead => ({ size: Number(r.size), root: Buffer.from(r.root), note: Buffer.from(r.note) });

class SqlChecksumLogReader implements ChecksumLogReader {
  constructor(protected readonly sql: SqlClient) {}

  async findRecord(modulePath: string, version: string) {
    const rows = await this.sql.query<RecordRow>('SELECT * FROM sumdb_records WHERE module_path = $1 AND version = $2', [modulePath, version]);
    return rows[0] && toRecord(rows[0]);
  }

  async readRecords(id: number, count: number) {
    const rows = await this.sql.query<RecordRow>('SELECT * FROM sumdb_records WHERE id >= $1 AND id < $2 ORDER BY id', [id, id + count]);
    return rows.map(toRecord);
  }

  async readHashes(indexes: readonly number[]) {
    if (indexes.length === 0) return [];
    const rows = await this.sql.query<{ idx: string | number; hash: Buffer }>('SELECT idx, hash FROM sumdb_hashes WHERE idx = ANY($1::bigint[])', [indexes.map(String)]);
    const byIndex = new Map(rows.map((r) => [Number(r.idx), Buffer.from(r.hash)]));
    return indexes.map((i): Hash => {
      const h = byIndex.get(i);
      if (!h) throw new Error(`checksum log: stored hash ${i} is missing`);
      return h;
    });
  }

  async latestHead() {
    const rows = await this.sql.query<HeadRow>('SELECT size, root, note FROM sumdb_heads ORDER BY size DESC LIMIT 1');
    return rows[0] && toHead(rows[0]);
  }

  async listHeads() {
    return (await this.sql.query<HeadRow>('SELECT size, root, note FROM sumdb_heads ORDER BY size')).map(toHead);
  }
}

export class SqlChecksumLogTx extends SqlChecksumLogReader implements ChecksumLogTx {
  async lockLog() {
    await this.sql.query(LOG_LOCK_SQL);
  }

  async size() {
    // Ids run 0, 1, 2, … without gaps: the newest id says the size through the primary key, not a scan.
    const rows = await this.sql.query<{ n: string | number }>('SELECT coalesce(max(id) + 1, 0) AS n FROM sumdb_records');
    return Number(rows[0]!.n);
  }

  async appendRecord(r: LoggedRecord, hashes: { index: number; hash: Hash }[]) {
    await this.sql.query(
      'INSERT INTO sumdb_records (id, module_path, version, zip_hash, go_mod_hash, owner, text) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [r.id, r.modulePath, r.version, r.zipHash, r.goModHash, r.owner ?? null, r.text],
    );
    await this.sql.query('INSERT INTO sumdb_hashes (idx, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])', [
      hashes.map((h) => String(h.index)),
      hashes.map((h) => Buffer.from(h.hash)),
    ]);
  }

  async saveHead(head: SignedHead) {
    await this.sql.query('INSERT INTO sumdb_heads (size, root, note) VALUES ($1, $2, $3) ON CONFLICT (size) DO NOTHING', [head.size, Buffer.from(head.root), head.note]);
  }
}

export class SqlChecksumLogRepository extends SqlChecksumLogReader implements ChecksumLogRepository {
  constructor(private readonly db: SqlDatabase) {
    super(db);
  }

  transaction<T>(fn: (tx: ChecksumLogTx) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new SqlChecksumLogTx(tx)));
  }

  async listUnlogged(limit: number) {
    const rows = await this.db.query<{ module_path: string; version: string; zip_hash: string; go_mod_hash: string; owner: string | null }>(
      `SELECT module_path, version, zip_hash, go_mod_hash, owner, at FROM (
         SELECT DISTINCT ON (v.module_path, v.version) v.module_path, v.version, v.zip_hash, v.go_mod_hash, v.owner, v.created_at AS at
           FROM module_versions v ORDER BY v.module_path, v.version, v.created_at
       ) hosted
       WHERE NOT EXISTS (SELECT 1 FROM sumdb_records r WHERE r.module_path = hosted.module_path AND r.version = hosted.version)
       UNION ALL
       SELECT c.module_path, c.version, c.zip_hash, c.go_mod_hash, NULL, c.fetched_at FROM cached_versions c
       WHERE c.zip_hash IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM sumdb_records r WHERE r.module_path = c.module_path AND r.version = c.version)
         AND NOT EXISTS (SELECT 1 FROM module_versions v WHERE v.module_path = c.module_path AND v.version = c.version)
       ORDER BY 6 LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ modulePath: r.module_path, version: r.version, zipHash: r.zip_hash, goModHash: r.go_mod_hash, owner: r.owner ?? undefined }));
  }
}
