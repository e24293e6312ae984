/**
 * Streams an upload to a temp file, hashing (SHA-256) and counting on the way, so a
 * 500 MiB zip never sits in memory. A declared length over the limit is refused before
 * a byte is read; a stream is refused as soon as it crosses the limit.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError, invalid, isOutOfSpace, outOfSpace, tooLarge } from '../domain/domain-error.js';

/** The bytes of an upload and what the sender said about them. */
export interface UploadBody {
  stream: Readable | NodeJS.ReadableStream;
  /** The length the sender declared (Content-Length), when it did. */
  declaredLength?: number;
}

export interface ReceivedFile {
  path: string;
  size: number;
  sha256: string;
}

export async function receiveBody(body: UploadBody, dest: string, limit: number): Promise<ReceivedFile> {
  if ((body.declaredLength ?? 0) > limit) throw tooLarge(tooLargeMessage(limit));
  try {
    const received = await writeLimited(body.stream, dest, limit);
    if (received.size === 0) throw invalid('empty upload: send the module zip as the request body');
    return received;
  } catch (err) {
    await rm(dest, { force: true });
    if (err instanceof DomainError) throw err;
    if (isOutOfSpace(err)) throw outOfSpace();
    throw invalid(`upload interrupted: ${(err as Error).message}`);
  }
}

const tooLargeMessage = (limit: number) => `upload too large: the limit is ${limit} bytes`;

async function writeLimited(source: Readable | NodeJS.ReadableStream, dest: string, limit: number): Promise<ReceivedFile> {
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > limit) return done(tooLarge(tooLargeMessage(limit)));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(source, meter, createWriteStream(dest, { flags: 'wx', mode: 0o600 }));
  return { path: dest, size, sha256: hash.digest('hex') };
}
