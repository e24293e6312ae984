/**
 * A checksum database log in memory, built from our domain/sumdb functions the way
 * x/mod's sumdb.TestServer and client_test.go's testClient build theirs: records
 * appended in order, stored hashes, signed tree notes, lookup answers and tiles (hash
 * and data tiles of any height). Tests serve it to clients, ours and Go's.
 */
import { sign, type Signer } from '../../registry/domain/sumdb/note.js';
import { parseTilePath, readTileData } from '../../registry/domain/sumdb/tile.js';
import { storedHashes, treeHash, type Hash, type HashReader } from '../../registry/domain/sumdb/tlog.js';
import { formatRecord, formatTree } from '../../registry/domain/sumdb/tlog-note.js';

export class SumdbTestLog implements HashReader {
  readonly hashes: Hash[] = [];
  readonly records: Buffer[] = [];
  private readonly ids = new Map<string, number>();

  constructor(readonly signer: Signer) {}

  get size(): number {
    return this.records.length;
  }

  /** Appends a record for module@version (unescaped); returns its id. */
  async add(moduleAtVersion: string, text: string): Promise<number> {
    if (this.ids.has(moduleAtVersion)) throw new Error(`${moduleAtVersion} is already in the log`);
    const id = this.size;
    this.hashes.push(...(await storedHashes(id, text, this)));
    this.records.push(Buffer.from(text));
    this.ids.set(moduleAtVersion, id);
    return id;
  }

  /** A copy that grows on its own from here: the other branch of a fork. */
  fork(): SumdbTestLog {
    const copy = new SumdbTestLog(this.signer);
    copy.hashes.push(...this.hashes);
    copy.records.push(...this.records);
    for (const [k, id] of this.ids) copy.ids.set(k, id);
    return copy;
  }

  idOf(moduleAtVersion: string): number | undefined {
    return this.ids.get(moduleAtVersion);
  }

  readHashes(indexes: readonly number[]): Hash[] {
    return indexes.map((i) => this.hashes[i]!);
  }

  /** The signed note of the tree of the first `size` records. */
  async signedTree(size = this.size): Promise<Buffer> {
    return sign({ text: formatTree({ n: size, hash: await treeHash(size, this) }).toString() }, this.signer);
  }

  /** The /lookup answer for a record, signed with the tree of `size` records. */
  async lookupAnswer(moduleAtVersion: string, size = this.size): Promise<Buffer | undefined> {
    const id = this.ids.get(moduleAtVersion);
    if (id === undefined) return undefined;
    return Buffer.concat([formatRecord(id, this.records[id]!), await this.signedTree(size)]);
  }

  /** The bytes of a tile path (as sumdb.Server serves them), or undefined when the tree has no such tile. */
  async tile(path: string): Promise<Buffer | undefined> {
    const t = parseTilePath(path);
    const start = t.n * 2 ** t.h;
    if (start + t.w > (t.l === -1 ? this.size : this.size / 2 ** (t.h * t.l))) return undefined;
    if (t.l >= 0) return readTileData(t, this);
    // Data tiles: the formatted records without their id lines.
    return Buffer.concat(this.records.slice(start, start + t.w).map((r) => Buffer.concat([r, Buffer.from('\n')])));
  }
}
