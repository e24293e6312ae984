/**
 * Reading an S3 object: positioned reads served from one streamed GetObject while they come
 * in order (a download's reads are), a new ranged GET where they do not, and the object's
 * whole size from a ranged answer.
 */
import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { BlobReader } from './blob-store.js';

export interface Opened {
  body: Readable;
  /** The object's whole size. */
  size: number;
}

/** Positioned reads served from one GET stream while they come in order. */
export class S3BlobReader implements BlobReader {
  private chunks: AsyncIterator<Buffer> | undefined;
  private leftover: Buffer | undefined;
  private size: number;

  constructor(
    private opened: Opened | undefined,
    private position: number,
    private readonly reopen: (position: number) => Promise<Opened | undefined>,
  ) {
    this.size = opened?.size ?? 0;
    this.chunks = opened?.body[Symbol.asyncIterator]();
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    if (length === 0) return 0;
    if (this.opened && position >= this.size) return 0;
    if (position !== this.position || !this.chunks) {
      await this.release();
      this.opened = await this.reopen(position);
      this.position = position;
      if (!this.opened) return 0;
      this.size = this.opened.size;
      this.chunks = this.opened.body[Symbol.asyncIterator]();
    }
    let chunk = this.leftover;
    this.leftover = undefined;
    if (!chunk) {
      const next = await this.chunks!.next();
      if (next.done) return 0;
      chunk = next.value;
    }
    const n = Math.min(length, chunk.length);
    chunk.copy(buffer, offset, 0, n);
    if (n < chunk.length) this.leftover = chunk.subarray(n);
    this.position += n;
    return n;
  }

  private async release(): Promise<void> {
    this.leftover = undefined;
    const chunks = this.chunks;
    this.chunks = undefined;
    this.opened?.body.destroy();
    await chunks?.return?.().catch(() => undefined);
  }

  close(): Promise<void> {
    return this.release();
  }
}

export function totalSize(out: GetObjectCommandOutput): number {
  const m = /\/(\d+)$/.exec(out.ContentRange ?? '');
  if (m) return Number(m[1]);
  return out.ContentLength ?? 0;
}

export async function readAll(body: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const part of body) {
    parts.push(part as Buffer);
    length += (part as Buffer).length;
  }
  // Its own memory (not a slice of Node's shared pool), since the content cache may keep it.
  const whole = Buffer.allocUnsafeSlow(length);
  let at = 0;
  for (const part of parts) at += part.copy(whole, at);
  return whole;
}
