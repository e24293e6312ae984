/**
 * The newest checksum-database tree head this registry served, kept in DATA_DIR beside
 * the database (`sumdb-served-head`): the witness that a database restored from an older
 * backup, or a log rewritten under the heads, is noticed at start. Written after serving
 * (temp file + rename), only when the tree grew, one write at a time.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatHash, parseHash, type Hash } from '../domain/sumdb/tlog.js';

export interface ServedHead {
  size: number;
  root: Hash;
}

export class ServedHeadFile {
  readonly file: string;
  private written = -1;
  private writing: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'sumdb-served-head');
  }

  async read(): Promise<ServedHead | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const [size, root] = text.trim().split(/\s+/);
    const n = Number(size);
    if (!Number.isSafeInteger(n) || n < 0 || !root) throw new Error(`${this.file}: not a tree head (want "<size> <base64 root>")`);
    this.written = Math.max(this.written, n);
    return { size: n, root: parseHash(root) };
  }

  /** Records a head that was served, unless a larger one was already recorded. */
  saw(head: ServedHead): Promise<void> {
    if (head.size <= this.written) return this.writing;
    this.written = head.size;
    this.writing = this.writing.then(async () => {
      const temp = `${this.file}.${process.pid}.tmp`;
      await writeFile(temp, `${head.size} ${formatHash(head.root)}\n`);
      await rename(temp, this.file);
    });
    return this.writing;
  }
}
