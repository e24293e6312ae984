/**
 * BlobStore on an S3-compatible bucket (AWS S3, MinIO, versitygw, Ceph RGW, …), keys laid
 * out as the filesystem store lays out its files: `<prefix>blobs/sha256/ab/abcdef…`.
 * Uploads in flight still stream into a local folder (`STORAGE_DIR/tmp`) and are validated
 * there; only a finished, checked zip goes to the bucket.
 *
 * Placing a blob. The filesystem store renames the file inside the publish's transaction,
 * under the blob's lock. Sending hundreds of MiB to a bucket is too slow for that, so
 * `prepare` (before the transaction) uploads the object under its content hash, and `put`
 * (under the lock) only makes sure the object is still there — a collector may have removed
 * it since, having found no committed reference — and uploads it again if not. The rule
 * stays the filesystem store's: an object may exist without a row (a crash or a refused
 * publish after `prepare`; the sweeper removes it once older than its grace period), never
 * a row without its object. S3 writes are atomic: an object is absent or whole.
 *
 * Reading. A reader starts one streamed GetObject at the position it is told, and serves
 * reads in order from that stream (a download's reads are in order); a read elsewhere
 * starts a new ranged GET there. A reader opened before a delete finishes from its stream.
 * Small whole blobs are kept in memory as the filesystem store does (`content-cache.ts`).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { copyBlobsTo } from './copy-blobs.js';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
  paginateListObjectsV2,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { DomainError, notFound, unavailable } from '../domain/domain-error.js';
import type { S3Config } from '../config/config.js';
import type { BlobReader, BlobStore, ByteRange, StoredBlob } from './blob-store.js';
import { TempFolder } from './temp-folder.js';
import { ContentCache, type ContentCacheStats } from './content-cache.js';
import { readAll, S3BlobReader, totalSize, type Opened } from './s3-blob-reader.js';
import { explain, isInvalidRange, isMissing, type S3Error } from './s3-errors.js';

const KEY = /^[0-9a-f]{64}$/;
const MiB = 1024 * 1024;
/** Parts of a multipart upload (lib-storage's minimum is 5 MiB) and how many are sent at once. */
const PART_SIZE = 8 * MiB;
const PARTS_AT_ONCE = 2;
/** What `prepare` learnt about a temp file is forgotten after this (its publish gave up). */
const PREPARED_TTL_MS = 3_600_000;
const CONNECT_TIMEOUT_MS = 5_000;

export interface S3BlobStoreOptions {
  /** Bytes of whole small blobs kept in memory (ZIP_CACHE_MB); 0 or absent: none. */
  contentCacheBytes?: number;
  /** Bytes per part of a multipart upload (files larger than one part); 8 MiB unless told, at least 5 MiB. */
  partSizeBytes?: number;
}

export class S3BlobStore implements BlobStore {
  private readonly temps: TempFolder;
  private readonly blobPrefix: string;
  private readonly contents: ContentCache | undefined;
  private readonly partSize: number;
  /** Temp files `prepare` uploaded (or found already stored): their key, whether it uploaded, when. */
  private readonly prepared = new Map<string, { key: string; uploaded: boolean; at: number }>();

  private constructor(
    private readonly client: S3Client,
    private readonly config: S3Config,
    storageDir: string,
    options: S3BlobStoreOptions,
  ) {
    this.temps = new TempFolder(path.join(storageDir, 'tmp'));
    this.blobPrefix = `${config.prefix}blobs/sha256/`;
    if (options.contentCacheBytes) this.contents = new ContentCache(options.contentCacheBytes);
    this.partSize = Math.max(options.partSizeBytes ?? PART_SIZE, 5 * MiB);
  }

  /** Opens the store; refuses (naming the bucket and the cause) when the bucket cannot be reached. */
  static async open(config: S3Config, storageDir: string, options: S3BlobStoreOptions = {}): Promise<S3BlobStore> {
    const client = new S3Client({
      region: config.region ?? (config.endpoint ? 'us-east-1' : undefined),
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      // Servers other than AWS often reject the CRC checksums SDK v3 adds by default (aws-sdk-js-v3#6810).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // The SDK's retries: a request the bucket throttles or drops is tried again, not a 500.
      maxAttempts: 3,
      // An endpoint that does not answer is an error in seconds, not a hang.
      requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS },
    });
    const store = new S3BlobStore(client, config, storageDir, options);
    await store.temps.create();
    try {
      await store.headBucket();
    } catch (err) {
      client.destroy();
      throw err;
    }
    return store;
  }

  private get where(): string {
    return `S3 bucket ${this.config.bucket}${this.config.endpoint ? ` at ${this.config.endpoint}` : ''}`;
  }

  private async headBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }));
    } catch (err) {
      throw new Error(`${this.where} is not usable: ${explain(err)}`, { cause: err });
    }
  }

  /** The bucket unreachable, refusing the credentials or failing (5xx): Unavailable (a 503, retried), not a 500. */
  private unreachable(err: unknown): unknown {
    const e = err as S3Error;
    const status = e?.$metadata?.httpStatusCode;
    const down = status === undefined ? e?.name !== 'DomainError' : status >= 500 || status === 401 || status === 403;
    return down ? unavailable(`the blob store (${this.where}) is unavailable: ${explain(err)}`) : err;
  }

  private objectKey(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid blob key ${JSON.stringify(key)}`);
    return `${this.blobPrefix}${key.slice(0, 2)}/${key}`;
  }

  /** Uploads the finished temp file under its content hash (unless stored already): the slow part, before any lock. */
  async prepare(tempFile: string): Promise<void> {
    this.forgetStalePrepared();
    const key = await sha256File(tempFile);
    const uploaded = (await this.stat(key)) === undefined;
    if (uploaded) await this.upload(key, tempFile);
    this.prepared.set(tempFile, { key, uploaded, at: Date.now() });
  }

  /**
   * Under the blob's lock: the object is there when this returns. After `prepare` that is
   * one HeadObject; without it, or when a collector removed the object since, an upload.
   */
  async put(key: string, tempFile: string): Promise<{ created: boolean }> {
    const objectKey = this.objectKey(key);
    const prepared = this.prepared.get(tempFile);
    this.prepared.delete(tempFile);
    const present = (await this.stat(key)) !== undefined;
    if (!present) await this.upload(key, tempFile, objectKey);
    await rm(tempFile, { force: true });
    return { created: !present || (prepared?.key === key && prepared.uploaded) };
  }

  private async upload(key: string, file: string, objectKey = this.objectKey(key)): Promise<void> {
    const { size } = await stat(file);
    const body = createReadStream(file);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.config.bucket, Key: objectKey, Body: body, ContentLength: size, ContentType: 'application/zip' },
      partSize: this.partSize,
      queueSize: PARTS_AT_ONCE,
      // A failed multipart upload is aborted, so no parts are left to be billed.
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      throw this.unreachable(err);
    } finally {
      body.destroy();
    }
  }

  private forgetStalePrepared(): void {
    const cutoff = Date.now() - PREPARED_TTL_MS;
    for (const [file, p] of this.prepared) {
      if (p.at >= cutoff) break; // insertion order is age order
      this.prepared.delete(file);
    }
  }

  async openReader(key: string, from = 0): Promise<BlobReader> {
    const objectKey = this.objectKey(key);
    const first = await this.get(key, objectKey, from);
    return new S3BlobReader(first, from, (position) => this.get(key, objectKey, position));
  }

  /** A streamed GET from `position` to the end; undefined at or past the end; NotFound when absent. */
  private async get(key: string, objectKey: string, position: number, end?: number): Promise<Opened | undefined> {
    let out: GetObjectCommandOutput;
    try {
      out = await this.client.send(
        new GetObjectCommand({ Bucket: this.config.bucket, Key: objectKey, Range: `bytes=${position}-${end ?? ''}` }),
      );
    } catch (err) {
      if (isMissing(err)) throw notFound(`blob ${key} not found`);
      if (isInvalidRange(err)) return undefined;
      throw this.unreachable(err);
    }
    const size = totalSize(out);
    return { body: out.Body as Readable, size };
  }

  async read(key: string, range: ByteRange): Promise<Buffer> {
    const cached = this.contents?.get(key);
    if (cached) return slice(key, cached, range);
    const objectKey = this.objectKey(key);
    if (this.contents && range.end < this.contents.maxEntryBytes) {
      // The first maxEntryBytes: the whole blob when it is small enough to keep.
      const since = this.contents.begin();
      const prefix = await this.get(key, objectKey, 0, this.contents.maxEntryBytes - 1);
      if (!prefix) throw new Error(`blob ${key} is empty`);
      const bytes = await readAll(prefix.body);
      if (bytes.length === prefix.size) this.contents.set(key, bytes, since);
      return slice(key, bytes, range);
    }
    const opened = await this.get(key, objectKey, range.start, range.end);
    const bytes = opened ? await readAll(opened.body) : Buffer.alloc(0);
    if (bytes.length !== range.end - range.start + 1) throw new Error(`blob ${key} is shorter than ${range.end + 1} bytes`);
    return bytes;
  }

  /**
   * With S3_REDIRECT: a presigned GetObject URL (SigV4 in the query, so the client sends no
   * credentials of its own), valid for `redirectSeconds`. Signing is local: no request to the bucket.
   */
  async downloadUrl(key: string, filename: string): Promise<string | undefined> {
    const expiresIn = this.config.redirectSeconds;
    if (expiresIn === undefined) return undefined;
    const get = new GetObjectCommand({
      Bucket: this.config.bucket,
      Key: this.objectKey(key),
      ResponseContentType: 'application/zip',
      ResponseContentDisposition: `attachment; filename="${filename.replace(/["\\\r\n]/g, '_')}"`,
    });
    try {
      return await getSignedUrl(this.client, get, { expiresIn });
    } catch (err) {
      throw this.unreachable(err);
    }
  }

  /** HeadObject: the size, or undefined when absent. */
  async stat(key: string): Promise<number | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
      return head.ContentLength;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.unreachable(err);
    }
  }

  async delete(key: string): Promise<void> {
    this.contents?.forget(key);
    // DeleteObject of an absent key succeeds.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) })).catch((err: unknown) => {
      throw this.unreachable(err);
    });
  }

  /** ListObjectsV2 under the prefix; LastModified is when the object was written. */
  async *list(): AsyncIterable<StoredBlob> {
    const pages = paginateListObjectsV2({ client: this.client, pageSize: 1000 }, { Bucket: this.config.bucket, Prefix: this.blobPrefix });
    for (;;) {
      let page;
      try {
        page = await pages.next();
      } catch (err) {
        throw this.unreachable(err);
      }
      if (page.done) return;
      for (const object of page.value.Contents ?? []) {
        const rest = object.Key?.slice(this.blobPrefix.length) ?? '';
        const [shard, name, ...more] = rest.split('/');
        if (more.length > 0 || !name || !KEY.test(name) || shard !== name.slice(0, 2)) continue;
        yield { key: name, size: object.Size ?? 0, modifiedAt: object.LastModified ?? new Date(0) };
      }
    }
  }

  /** Downloads every blob into `target/blobs/sha256/ab/…` (the filesystem store's layout), with LastModified as the time. */
  copyTo(target: string): Promise<{ count: number; bytes: number }> {
    return copyBlobsTo(this.list(), target, async (key, to) => {
      let opened: Opened | undefined;
      try {
        opened = await this.get(key, this.objectKey(key), 0);
      } catch (err) {
        if (err instanceof DomainError && err.kind === 'NotFound') return false;
        throw err;
      }
      if (opened) await pipeline(opened.body, createWriteStream(to));
      else await writeFile(to, '');
      return true;
    });
  }

  /** The content cache's figures, undefined without one. */
  contentCacheStats(): ContentCacheStats | undefined {
    return this.contents?.stats();
  }

  async close(): Promise<void> {
    this.contents?.clear();
    this.prepared.clear();
    this.client.destroy();
  }

  tempPath(): string {
    return this.temps.path();
  }

  /** The temp folder can be written and the bucket answers (HeadBucket: no request billed as a write). */
  async checkWritable(): Promise<void> {
    const probe = path.join(this.temps.dir, `.ready-${randomUUID()}`);
    await writeFile(probe, '');
    await unlink(probe);
    await this.headBucket();
  }

  async releaseTemp(tempFile: string): Promise<void> {
    this.prepared.delete(tempFile);
    await this.temps.release(tempFile);
  }

  removeTempsOlderThan(before: Date): Promise<{ count: number; bytes: number }> {
    return this.temps.removeOlderThan(before, (file) => this.prepared.delete(file));
  }

}

function slice(key: string, whole: Buffer, range: ByteRange): Buffer {
  if (range.end >= whole.length) throw new Error(`blob ${key} is shorter than ${range.end + 1} bytes`);
  return whole.subarray(range.start, range.end + 1);
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}
