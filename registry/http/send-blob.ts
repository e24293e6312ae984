/**
 * Sends a byte range of a large blob with two buffers, each refilled only after the
 * socket has taken what it held. A read stream allocates a fresh buffer per chunk:
 * for a 50 MiB zip that was a quarter of the CPU in garbage collection and page
 * faults (bench/). Memory per download stays at two chunks, whatever the client's speed.
 */
import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import type { BlobReader } from '../blob/blob-store.js';
import { stateOf } from './request-context.js';

const CHUNK = 256 * 1024;
/**
 * Buffers of finished downloads, kept for the next ones (at most 8 MiB): two fresh 256 KiB
 * buffers per download cost 1.3 × the CPU of a zip just over 1 MiB (bench/, issue 15's A/B).
 */
const spare: Buffer[] = [];
const SPARE_MAX = 32;

/**
 * Takes over the response: Koa sends nothing itself (status and headers are already
 * set). Returns at once; on a read or write error the connection is destroyed, since
 * the status line is gone and the body would be short.
 */
export function sendBlobRange(ctx: Context, blob: BlobReader, start: number, end: number): void {
  ctx.respond = false;
  const res = ctx.res;
  pump(res, blob, start, end)
    .catch((err: unknown) => {
      stateOf(ctx).log.warn({ err }, 'zip download aborted');
      res.destroy();
    })
    .finally(() => blob.close().catch(() => {}));
}

async function pump(res: ServerResponse, blob: BlobReader, start: number, end: number): Promise<void> {
  const closed = new Promise<'closed'>((resolve) => res.once('close', () => resolve('closed')));
  const buffers = [spare.pop() ?? Buffer.allocUnsafe(CHUNK), spare.pop() ?? Buffer.allocUnsafe(CHUNK)];
  const flushed: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
  let i = 0;
  for (let position = start; position <= end; i ^= 1) {
    // Buffer i is free once the socket reported its previous contents written.
    if ((await Promise.race([flushed[i], closed])) === 'closed') return;
    const buffer = buffers[i]!;
    const read = await blob.read(buffer, 0, Math.min(buffer.length, end - position + 1), position);
    if (read === 0) throw new Error(`blob ended at byte ${position}, before ${end + 1}`);
    position += read;
    const written = new Promise<void>((resolve, reject) => res.write(buffer.subarray(0, read), (err) => (err ? reject(err) : resolve())));
    written.catch(() => {}); // awaited through the race above or below; never unhandled
    flushed[i] = written;
  }
  if ((await Promise.race([Promise.all(flushed), closed])) === 'closed') return;
  res.end();
  // Only now are both surely unreferenced (an aborted download's may still be queued).
  for (const b of buffers) if (spare.length < SPARE_MAX) spare.push(b);
}
