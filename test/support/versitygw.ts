/**
 * A real S3-compatible server for the S3 blob store's tests: versitygw (github.com/versity/versitygw)
 * built from source once into ~/.cache/go-registry/versitygw-<version>/, started on loopback on a
 * free port with its posix backend on a temp folder and static root credentials (real SigV4
 * checks), and stopped by the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { track } from './child-processes.js';
import { eventually } from './eventually.js';
import { freePort } from './free-port.js';
import { buildOnce, cacheRoot, requireGo, runGo } from './go-build-cache.js';
import { tempDir } from './paths.js';

export const VERSITYGW_VERSION = 'v1.8.0';
const MODULE = 'github.com/versity/versitygw';

export async function ensureVersitygw(): Promise<string> {
  const dir = path.join(cacheRoot(), `versitygw-${VERSITYGW_VERSION}`);
  await buildOnce(dir, ['bin/versitygw'], async (staging) => {
    requireGo('versitygw (the S3-compatible server of the S3 blob store tests)');
    await runGo(
      ['install', '-trimpath', '-ldflags=-s -w', `${MODULE}/cmd/versitygw@${VERSITYGW_VERSION}`],
      staging,
      { GOBIN: path.join(staging, 'bin'), GOFLAGS: '' },
      'versitygw',
    );
  });
  return path.join(dir, 'bin', 'versitygw');
}

export interface Versitygw {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The posix backend's root: a bucket is a folder in it, an object a file below. */
  root: string;
  /** A client with the root credentials (for the test's own look at the bucket). */
  client(): S3Client;
  /** Creates a bucket through the S3 API; returns its name. */
  createBucket(name?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startVersitygw(): Promise<Versitygw> {
  const bin = await ensureVersitygw();
  const { dir: home, remove } = await tempDir('versitygw');
  const root = path.join(home, 'data');
  await mkdir(root);
  const port = await freePort();
  const accessKeyId = `test${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(20).toString('hex');
  const child = spawn(bin, ['--access', accessKeyId, '--secret', secretAccessKey, '--port', `127.0.0.1:${port}`, 'posix', root], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: home,
    env: { PATH: process.env.PATH ?? '', HOME: home },
  });
  track(child);
  let output = '';
  const keep = (c: Buffer) => (output = (output + c.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const endpoint = `http://127.0.0.1:${port}`;
  const region = 'us-east-1';
  const client = () =>
    new S3Client({
      endpoint,
      region,
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  const admin = client();
  const stop = async () => {
    admin.destroy();
    await stopChild(child);
    await remove();
  };
  try {
    await eventually(
      'versitygw answering ListBuckets',
      async () => {
        if (child.exitCode !== null) throw new Error(`versitygw exited (${child.exitCode}): ${output}`);
        await admin.send(new ListBucketsCommand({}));
        return true;
      },
      { timeoutMs: 15_000, intervalMs: 50, context: () => output },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  let buckets = 0;
  return {
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    root,
    client,
    async createBucket(name = `blobs-${++buckets}-${randomBytes(3).toString('hex')}`) {
      await admin.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    stop,
  };
}

/** The credentials in the environment, where the AWS SDK's default chain finds them (this test process only). */
export function exportCredentials(gw: Versitygw): void {
  process.env.AWS_ACCESS_KEY_ID = gw.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = gw.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
}

/** A registry process's environment for BLOB_STORE=s3 on this server's bucket, with its root credentials. */
export function registryS3Env(gw: Versitygw, bucket: string): Record<string, string> {
  return {
    BLOB_STORE: 's3',
    S3_BUCKET: bucket,
    S3_REGION: gw.region,
    S3_ENDPOINT: gw.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: gw.accessKeyId,
    AWS_SECRET_ACCESS_KEY: gw.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
