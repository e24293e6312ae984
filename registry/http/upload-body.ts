/**
 * What an upload request carries, as the publish service takes it: a byte stream of
 * the zip and the length the client declared. The raw body (curl --upload-file) is the
 * zip; of a multipart/form-data body (a browser form, some CI tools) the first file
 * part is. Headers and multipart framing are HTTP's business and end here.
 */
import busboy from 'busboy';
import type { IncomingMessage } from 'node:http';
import { invalid } from '../domain/domain-error.js';
import type { UploadBody } from '../upload/receive-body.js';

export function uploadBody(req: IncomingMessage): Promise<UploadBody> {
  if (!/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) {
    const declared = Number(req.headers['content-length'] ?? NaN);
    return Promise.resolve({ stream: req, declaredLength: Number.isFinite(declared) ? declared : undefined });
  }
  return firstFilePart(req);
}

function firstFilePart(req: IncomingMessage): Promise<UploadBody> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1 } });
    } catch (err) {
      return reject(invalid(`malformed multipart body: ${(err as Error).message}`));
    }
    let file: NodeJS.ReadableStream & { destroy(err?: Error): void } | undefined;
    parser.on('file', (_field, stream) => {
      if (file) return void stream.resume(); // only the first file counts
      file = stream;
      resolve({ stream });
    });
    // After the file part was handed on, a framing error or an abort fails its stream, and so the upload.
    const fail = (err: Error) => (file ? file.destroy(err) : reject(err));
    parser.on('error', (err: Error) => fail(invalid(`malformed multipart body: ${err.message}`)));
    parser.on('close', () => {
      if (!file) reject(invalid('multipart body has no file part: attach the module zip as a file'));
    });
    req.on('aborted', () => fail(new Error('client closed the connection')));
    req.pipe(parser);
  });
}
