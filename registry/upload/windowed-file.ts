/**
 * Positioned reads of a file through one buffered window, for the zip reader: the
 * central directory and small entries are many tiny reads close together, and each
 * file-system read is a trip through libuv's thread pool. A read inside the window is a
 * copy; one outside refills the window from that position (reads longer than the window
 * go straight to the file).
 */
import type { FileHandle } from 'node:fs/promises';

const WINDOW = 1024 * 1024;

export class WindowedFile {
  private readonly window: Buffer;
  private windowStart = 0;
  private windowLength = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {
    this.window = Buffer.allocUnsafe(Math.min(WINDOW, size));
  }

  private queue: Promise<unknown> = Promise.resolve();

  /** Fills buffer[offset, offset+length) from the file at position; fails when the file ends first. Reads run one at a time. */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<void> {
    const next = this.queue.then(() => this.readNow(buffer, offset, length, position));
    this.queue = next.catch(() => {});
    return next;
  }

  private async readNow(buffer: Buffer, offset: number, length: number, position: number): Promise<void> {
    if (position + length > this.size) throw new Error(`read past the end of the file (${position + length} > ${this.size})`);
    if (length > this.window.length) return this.readDirect(buffer, offset, length, position);
    const inWindow = position >= this.windowStart && position + length <= this.windowStart + this.windowLength;
    if (!inWindow) await this.fill(position);
    this.window.copy(buffer, offset, position - this.windowStart, position - this.windowStart + length);
  }

  private async fill(position: number): Promise<void> {
    // Ending at the file's end when near it, so that reads just before the end still hit.
    const start = Math.max(0, Math.min(position, this.size - this.window.length));
    this.windowLength = 0;
    await this.readDirect(this.window, 0, this.window.length, start);
    this.windowStart = start;
    this.windowLength = this.window.length;
  }

  private async readDirect(buffer: Buffer, offset: number, length: number, position: number): Promise<void> {
    for (let done = 0; done < length; ) {
      const { bytesRead } = await this.handle.read(buffer, offset + done, length - done, position + done);
      if (bytesRead === 0) throw new Error('the file ended early');
      done += bytesRead;
    }
  }
}
