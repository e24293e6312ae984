/**
 * The folder of uploads in flight, shared by both blob stores (a store's `tmp/`, on the
 * volume of the blobs or, with S3, on the replica's own disk).
 *
 * A temp file is named after the process that writes it (`upload-<pid>-<uuid>`), and each
 * process knows which of its own are still in use (handed out, not yet released). The
 * sweep removes only what nobody is writing: a temp file older than its cutoff that is
 * this process's and released, or a process's that is gone (a crash or kill -9, or a Pod
 * restarted with the same pid: then it is "ours" and not in use). Another live process's
 * files (WORKERS sharing a folder) are left to that process's own sweeps. So a grace period
 * shorter than an upload — even none — never takes an upload in flight.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

const NAME = /^upload-(\d+)-[0-9a-f-]+$/;

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class TempFolder {
  private readonly inUse = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly pid: number = process.pid,
    private readonly isAlive: (pid: number) => boolean = alive,
  ) {}

  async create(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  /** A fresh path for an upload, in use until released. */
  path(): string {
    const file = path.join(this.dir, `upload-${this.pid}-${randomUUID()}`);
    this.inUse.add(file);
    return file;
  }

  /** Done with a temp file: removed (if still there) and no longer in use. */
  async release(file: string): Promise<void> {
    try {
      await rm(file, { force: true });
    } finally {
      this.inUse.delete(file);
    }
  }

  /** Removes temp files last written before `before` that nobody is writing; `onRemoved` hears each. */
  async removeOlderThan(before: Date, onRemoved: (file: string) => void = () => {}): Promise<{ count: number; bytes: number }> {
    let count = 0;
    let bytes = 0;
    for (const name of await readdir(this.dir)) {
      const file = path.join(this.dir, name);
      if (this.writing(name, file)) continue;
      const info = await stat(file).catch(() => undefined);
      if (!info || !info.isFile() || info.mtimeMs >= before.getTime()) continue;
      await rm(file, { force: true });
      onRemoved(file);
      count++;
      bytes += info.size;
    }
    return { count, bytes };
  }

  private writing(name: string, file: string): boolean {
    if (name.startsWith('.ready-')) return true; // a readiness probe, removed by its writer
    const pid = Number(NAME.exec(name)?.[1] ?? NaN);
    if (Number.isNaN(pid)) return false; // not ours to keep (an older release's name, a stray file)
    if (pid === this.pid) return this.inUse.has(file);
    return this.isAlive(pid);
  }
}
