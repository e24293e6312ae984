/**
 * Streams an upload body to a temp file, hashing (SHA-256) and counting on the way,
 * so a 500 MiB zip never sits in memory. Accepts the raw zip (curl --upload-file) or
 * the first file part of a multipart/form-data body.
 */
import busboy from 'busboy';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError, invalid, isOutOfSpace, outOfSpace, tooLarge } from '../domain/domain-error.js';

export interface ReceivedFile {
  path: string;
  size: number;
  sha256: string;
}

export async function receiveBody(req: IncomingMessage, dest: string, limit: number): Promise<ReceivedFile> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw tooLarge(tooLargeMessage(limit));
  try {
    const isMultipart = /^multipart\/form-data/i.test(req.headers['content-type'] ?? '');
    const received = isMultipart ? await receiveMultipart(req, dest, limit) : await writeLimited(req, dest, limit);
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

async function writeLimited(source: Readable, dest: string, limit: number): Promise<ReceivedFile> {
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

function receiveMultipart(req: IncomingMessage, dest: string, limit: number): Promise<ReceivedFile> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: limit + 1 } });
    } catch (err) {
      return reject(invalid(`malformed multipart body: ${(err as Error).message}`));
    }
    let file: Promise<ReceivedFile> | undefined;
    parser.on('file', (_field, stream) => {
      if (file) return void stream.resume(); // only the first file counts
      file = writeLimited(stream, dest, limit);
      file.catch((err) => {
        req.unpipe(parser);
        reject(err);
      });
    });
    parser.on('error', (err: Error) => reject(invalid(`malformed multipart body: ${err.message}`)));
    parser.on('close', () => {
      if (!file) return reject(invalid('multipart body has no file part: attach the module zip as a file'));
      file.then(resolve, reject);
    });
    req.on('aborted', () => reject(new Error('client closed the connection')));
    req.pipe(parser);
  });
}
