/**
 * The registry's own checksum database: every hosted version is logged at publish and
 * every version the pull-through cache stores once verified, as go.sum records in a tlog
 * Merkle log (domain/sumdb), with a signed tree head after each append. A logged
 * version can never be served with other bytes: publishing it again with other hashes
 * is a Conflict naming the logged ones; deletes never remove records.
 *
 * Serving follows golang.org/x/mod/sumdb's Server: `latest`, `lookup/<path>@<version>`
 * (masked: only a caller who may read the module's owner learns it is logged), hash tiles
 * (public: they tell only how many records exist) and data tiles (the records
 * themselves: the admin only, for auditors).
 */
import { conflict, DomainError, notFound } from '../domain/domain-error.js';
import { newVerifier, sign, verifierList, type Signer } from '../domain/sumdb/note.js';
import { open } from '../domain/sumdb/note.js';
import { moduleRecordText } from '../domain/sumdb/record.js';
import { parseTilePath, readTileData, type Tile } from '../domain/sumdb/tile.js';
import { formatRecord, formatTree, parseTree } from '../domain/sumdb/tlog-note.js';
import { hashEqual, shl, storedHashes, storedHashIndex, treeHash, type HashReader } from '../domain/sumdb/tlog.js';
import type { ChecksumLogReader, ChecksumLogRepository, ChecksumLogTx, LoggedRecord, SignedHead } from '../repository/checksum-log-repository.js';

export interface LogEntry {
  modulePath: string;
  version: string;
  zipHash: string;
  goModHash: string;
  /** The hosting owner; undefined for a public module the cache verified. */
  owner?: string;
}

/** What publish and the cache need of the log: append inside their transaction. */
export interface VersionLog {
  append(tx: ChecksumLogTx, entry: LogEntry): Promise<'appended' | 'logged'>;
}

/** The log's stored log and the last tree head it signed do not agree, or another key signed it. */
export class ChecksumLogMismatch extends Error {
  override name = 'ChecksumLogMismatch';
}

/** The newest head clients were shown, kept outside the database. */
export interface HeadWitness {
  readonly file: string;
  read(): Promise<{ size: number; root: Uint8Array } | undefined>;
  saw(head: { size: number; root: Uint8Array }): Promise<void>;
}

const readerOf = (r: ChecksumLogReader): HashReader => ({ readHashes: (indexes) => r.readHashes(indexes) });

export class ChecksumLog implements VersionLog {
  readonly name: string;

  constructor(
    private readonly signer: Signer,
    /** The verifier key users put in GOSUMDB (name+hash+key). */
    readonly verifierKey: string,
    private readonly repo: ChecksumLogRepository,
    /** Where the newest head served is kept, to notice a log older than what clients saw. */
    private readonly witness?: HeadWitness,
  ) {
    this.name = signer.name;
  }

  /**
   * Logs the version unless logged; identical hashes again are a no-op (a re-upload after a
   * delete), other hashes a Conflict. Runs inside the caller's transaction, so the record
   * commits or rolls back with the version it vouches for.
   */
  async append(tx: ChecksumLogTx, entry: LogEntry): Promise<'appended' | 'logged'> {
    await tx.lockLog();
    const known = await tx.findRecord(entry.modulePath, entry.version);
    if (known) {
      if (known.zipHash === entry.zipHash && known.goModHash === entry.goModHash) return 'logged';
      throw conflict(
        `${entry.modulePath}@${entry.version} is in this registry's checksum database as ${known.zipHash} (go.mod ${known.goModHash}); ` +
          `these bytes hash to ${entry.zipHash} (go.mod ${entry.goModHash}): a version, once logged, is never served with other bytes — publish a new version`,
      );
    }
    const id = await tx.size();
    const text = Buffer.from(moduleRecordText(entry.modulePath, entry.version, entry.zipHash, entry.goModHash));
    const hashes = await storedHashes(id, text, readerOf(tx));
    const first = storedHashIndex(0, id);
    await tx.appendRecord({ ...entry, owner: entry.owner, id, text }, hashes.map((hash, i) => ({ index: first + i, hash })));
    const root = await treeHash(id + 1, readerOf(tx));
    await tx.saveHead({ size: id + 1, root, note: this.signTree(id + 1, root) });
    return 'appended';
  }

  /**
   * At start: the empty tree is signed once; the stored log must hash to its newest head,
   * which this key must have signed (another replica's key, or a log changed under the
   * heads, is refused); then versions stored before the log existed are logged.
   */
  async open(): Promise<{ size: number; backfilled: number }> {
    let head = await this.repo.latestHead();
    if (!head) {
      await this.repo.transaction(async (tx) => {
        await tx.lockLog();
        if (!(await tx.latestHead())) await tx.saveHead({ size: 0, root: await treeHash(0), note: this.signTree(0, await treeHash(0)) });
      });
      head = (await this.repo.latestHead())!;
    }
    this.checkHead(head);
    const root = await treeHash(head.size, readerOf(this.repo));
    if (!hashEqual(root, head.root)) {
      throw new ChecksumLogMismatch(`the stored checksum log does not hash to the tree head of size ${head.size} it signed: the log was changed outside the registry`);
    }
    await this.checkWitness(head);
    let backfilled = 0;
    for (;;) {
      const batch = await this.repo.listUnlogged(500);
      if (batch.length === 0) break;
      for (const entry of batch) {
        try {
          if ((await this.repo.transaction((tx) => this.append(tx, entry))) === 'appended') backfilled++;
        } catch (err) {
          // Two owners published the same path and version with other bytes before the log existed: the first is logged.
          if (!(err instanceof DomainError && err.kind === 'Conflict')) throw err;
        }
      }
      if (batch.length < 500) break;
    }
    return { size: (await this.repo.latestHead())!.size, backfilled };
  }

  /** The stored log must hold the newest tree clients were served, unchanged. */
  private async checkWitness(head: SignedHead): Promise<void> {
    const served = await this.witness?.read();
    if (!served) return;
    const what = `this registry served a tree of ${served.size} records (kept in ${this.witness!.file})`;
    const fix =
      'go clients that saw that tree will report SECURITY ERROR. Restore the newest backup instead; ' +
      `or, if this older log is to be kept, remove ${this.witness!.file} and tell users to delete the tree go kept ($GOPATH/pkg/sumdb/${this.name})`;
    if (served.size > head.size) {
      throw new ChecksumLogMismatch(`the database holds a checksum log of ${head.size} records, but ${what}: the database was restored from an older backup; ${fix}`);
    }
    if (!hashEqual(await treeHash(served.size, readerOf(this.repo)), served.root)) {
      throw new ChecksumLogMismatch(`the checksum log in the database does not contain the tree ${what}: the log was rewritten; ${fix}`);
    }
  }

  /** Checks a head note is this key's signature over the tree it names. */
  checkHead(head: SignedHead): void {
    let tree;
    try {
      tree = parseTree(open(head.note, verifierList(newVerifier(this.verifierKey))).text);
    } catch (err) {
      throw new ChecksumLogMismatch(
        `the checksum log's newest tree head (size ${head.size}) is not signed by ${this.verifierKey} (${(err as Error).message}): ` +
          'every replica needs the same SUMDB_SIGNING_KEY, and a changed key means every client must be told the new one',
      );
    }
    if (tree.n !== head.size || !hashEqual(tree.hash, head.root)) throw new ChecksumLogMismatch(`the tree head of size ${head.size} names another tree`);
  }

  /** The newest signed tree head. */
  async head(): Promise<SignedHead> {
    const head = await this.repo.latestHead();
    if (!head) throw notFound('the checksum database is not open yet');
    return head;
  }

  /** Records id … id+count-1, for the admin (auditors): which owner hosts each. */
  async records(id: number, count: number): Promise<LoggedRecord[]> {
    return this.repo.readRecords(id, count);
  }

  /** The newest signed tree note; recorded as served. */
  async latest(): Promise<Buffer> {
    const head = await this.head();
    await this.witness?.saw(head);
    return head.note;
  }

  /** The record of a version (caller's read right checked by the caller), framed as a lookup answer. */
  async findRecord(modulePath: string, version: string): Promise<LoggedRecord | undefined> {
    return this.repo.findRecord(modulePath, version);
  }

  async lookupAnswer(record: LoggedRecord): Promise<Buffer> {
    return Buffer.concat([formatRecord(record.id, record.text), await this.latest()]);
  }

  /** A hash tile (`tile/H/L/N[.p/W]`) or, for data tiles, the records it holds: within the newest signed tree only. */
  async tile(path: string): Promise<{ data: Buffer; kind: 'hash' | 'data'; full: boolean }> {
    const t = parseTilePath(path);
    const head = await this.repo.latestHead();
    if (!head || !within(t, head.size)) throw notFound(`${path}: beyond the checksum database's newest tree`);
    const full = t.w === 2 ** t.h;
    if (t.l === -1) {
      const start = shl(t.n, t.h);
      const records = await this.repo.readRecords(start, t.w);
      // As x/mod's server: each record formatted, without its id line.
      const data = Buffer.concat(records.map((r) => formatRecord(r.id, r.text).subarray(String(r.id).length + 1)));
      return { data, kind: 'data', full };
    }
    return { data: await readTileData(t, readerOf(this.repo)), kind: 'hash', full };
  }

  private signTree(size: number, root: Uint8Array): Buffer {
    return sign({ text: formatTree({ n: size, hash: root }).toString('utf8') }, this.signer);
  }
}

/** Does the tree of size records hold every hash (or record) of tile t? */
function within(t: Tile, size: number): boolean {
  if (t.h !== 8) return false;
  const level = t.l === -1 ? 0 : t.l;
  return shl(shl(t.n, t.h) + t.w, level * t.h) <= size;
}
