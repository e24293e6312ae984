/**
 * Where the log's lines go (stdout): collected during a turn of the event loop and written
 * together when the turn ends, synchronously, in writes of whole lines of at most PIPE_BUF
 * bytes. A write of at most PIPE_BUF bytes is atomic on a pipe, so the lines of several
 * worker processes sharing stdout never interleave mid-line.
 *
 * Why not sonic-boom's asynchronous mode: it writes at most one chunk per turn (one write
 * in the thread pool at a time, 4 KiB to stay atomic), and a busy turn answers dozens of
 * requests, so under sustained load the lines queued in memory without bound (about a line
 * per request, hundreds of MiB after minutes) and the garbage collector paid for them.
 * Here a slow reader makes the writes wait, and the registry with them, instead.
 */
import { writeSync } from 'node:fs';

/** Bytes one write(2) may hold and still be atomic on a pipe (Linux). */
export const PIPE_BUF = 4096;

/** The lines joined into as few chunks as fit in `max` bytes each, never splitting a line (a longer one is a chunk of its own). */
export function wholeLineChunks(lines: readonly string[], max: number): string[] {
  const chunks: string[] = [];
  let chunk = '';
  let bytes = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line);
    if (bytes > 0 && bytes + size > max) {
      chunks.push(chunk);
      chunk = '';
      bytes = 0;
    }
    chunk += line;
    bytes += size;
  }
  if (bytes > 0) chunks.push(chunk);
  return chunks;
}

export class LineWriter {
  private pending: string[] = [];
  private scheduled = false;

  constructor(private readonly fd: number) {
    // Lines of the last turn (a shutdown's own included) are not left behind on exit.
    process.once('exit', () => this.flushSync());
  }

  /** pino's destination interface: one line (or more) ending in a newline. */
  write(line: string): void {
    this.pending.push(line);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flushSync());
  }

  flushSync(): void {
    this.scheduled = false;
    const lines = this.pending;
    if (lines.length === 0) return;
    this.pending = [];
    for (const chunk of wholeLineChunks(lines, PIPE_BUF)) this.writeAll(chunk);
  }

  /** pino's logger.flush(). */
  flush(cb?: (err?: Error) => void): void {
    this.flushSync();
    cb?.();
  }

  private writeAll(text: string): void {
    let buf = Buffer.from(text);
    while (buf.length > 0) {
      try {
        buf = buf.subarray(writeSync(this.fd, buf));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // A non-blocking descriptor (a socket as stdout cannot be reopened blocking): wait a moment for the reader.
        if (code === 'EAGAIN') {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
          continue;
        }
        // EPIPE and the like: nobody reads the log any more; the lines have nowhere to go.
        return;
      }
    }
  }
}
