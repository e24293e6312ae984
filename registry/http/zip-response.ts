/**
 * Serves a module zip with what caches and download tools expect: Content-Length,
 * a strong ETag, conditional requests (304), single byte ranges (206/416) and
 * If-Range. HEAD never opens the blob. With S3_REDIRECT a GET is a 307 to a presigned
 * URL of the bucket instead.
 */
import type { Context } from 'koa';
import rangeParser from 'range-parser';
import type { ModuleVersion } from '../domain/module-version.js';
import type { Visibility } from '../domain/owner.js';
import type { ModuleReadService } from '../service/module-read-service.js';
import { sendBlobRange } from './send-blob.js';

/**
 * A published version never changes, so clients may keep it for good. Only a public
 * owner's may sit in shared caches: `public` would let a proxy or CDN store an answer
 * to a request with credentials and hand a private module to anyone (RFC 9111 §3.5).
 */
export const immutable = (visibility: Visibility) =>
  visibility === 'public' ? 'public, max-age=31536000, immutable' : 'private, max-age=31536000, immutable';

export async function sendZip(ctx: Context, reader: ModuleReadService, v: ModuleVersion, visibility: Visibility): Promise<void> {
  const etag = `"${v.blobSha256}"`;
  ctx.set('ETag', etag);
  ctx.set('Cache-Control', immutable(visibility));
  ctx.set('Accept-Ranges', 'bytes');
  ctx.set('Last-Modified', v.createdAt.toUTCString());
  ctx.type = 'application/zip';
  ctx.status = 200;
  if (notModified(ctx, etag)) {
    ctx.status = 304;
    return;
  }
  if (ctx.method === 'GET') {
    const url = await reader.zipUrl(v);
    if (url) {
      // The bucket answers the download (and any Range) itself. The URL is a credential for a
      // few minutes: no cache may keep it, and the validators above stay for 304s.
      ctx.status = 307;
      ctx.set('Cache-Control', 'no-store');
      ctx.remove('Accept-Ranges');
      ctx.redirect(url);
      return;
    }
  }
  const size = v.zipSize;
  const range = requestedRange(ctx, etag, size);
  if (range === 'unsatisfiable') {
    ctx.status = 416;
    ctx.set('Content-Range', `bytes */${size}`);
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = `range not satisfiable: the zip has ${size} bytes\n`;
    return;
  }
  if (range) {
    ctx.status = 206;
    ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
  }
  const bytes = range ?? { start: 0, end: size - 1 };
  ctx.length = bytes.end - bytes.start + 1;
  if (ctx.method === 'HEAD') return;
  // Small zips are one buffer; large ones are sent from the open blob with reused buffers.
  const body = await reader.zipBody(v, bytes);
  if (Buffer.isBuffer(body)) ctx.body = body;
  else sendBlobRange(ctx, body, bytes.start, bytes.end);
}

/** If-None-Match of a GET or HEAD, evaluated against the answer's ETag. */
export function notModified(ctx: Context, etag: string): boolean {
  return (ctx.method === 'GET' || ctx.method === 'HEAD') && matchesIfNoneMatch(ctx.get('If-None-Match'), etag);
}

/**
 * If-None-Match as an origin server evaluates it (RFC 9110 §13.1.2). Koa's ctx.fresh
 * is a cache's view and ignores the validator when the request says no-cache, which
 * fetch clients send with every conditional request.
 */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => opaque(tag) === etag);
}

/** One satisfiable range, 'unsatisfiable', or undefined to send the whole zip. */
function requestedRange(ctx: Context, etag: string, size: number) {
  const header = ctx.get('Range');
  if (!header) return undefined;
  const ifRange = ctx.get('If-Range');
  if (ifRange && ifRange !== etag) return undefined;
  const ranges = rangeParser(size, header, { combine: true });
  if (ranges === -1) return 'unsatisfiable' as const;
  // Malformed or multi-part ranges: a full 200 answer is always allowed.
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return undefined;
  return { start: ranges[0]!.start, end: ranges[0]!.end };
}
