/**
 * Upload of one large module zip through the real route: throughput (MB/s) and the
 * registry's peak RSS growth over its idle baseline, sampled every 10 ms from /proc.
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { curl } from '../../test/support/curl.js';
import { ZipWriter } from '../../test/support/zip-writer.js';

const MiB = 1024 * 1024;

export interface UploadResult {
  zipBytes: number;
  seconds: number;
  megabytesPerSecond: number;
  rssBaselineMiB: number;
  rssPeakGrowthMiB: number;
}

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) * 1024;
}

/** 4 MiB files of random bytes (stored, incompressible) plus deflated sources. */
export async function generateBigZip(file: string, targetBytes: number, version = 'v1.0.0'): Promise<number> {
  const zip = new ZipWriter(file);
  const prefix = `example.com/bench/big@${version}/`;
  await zip.add({ name: `${prefix}go.mod`, data: 'module example.com/bench/big\n\ngo 1.21\n' });
  const source = 'package big\n\n' + 'var Data = "0123456789abcdefghijklmnopqrstuvwxyz"\n'.repeat(20_000);
  let written = 0;
  for (let i = 0; written < targetBytes; i++) {
    if (i % 10 === 0) {
      await zip.add({ name: `${prefix}src/f${i}.go`, data: source.replace('var Data', `var Data${i}`), method: 'deflate' });
      written += 64 * 1024;
    }
    await zip.add({ name: `${prefix}assets/blob${i}.bin`, data: randomBytes(4 * MiB) });
    written += 4 * MiB;
  }
  await zip.close();
  return (await stat(file)).size;
}

/** Uploads `zipFile` to owner `owner` (which must exist) after a small warm-up upload. */
export async function measureUpload(url: string, pid: number, owner: string, secret: string, zipFile: string, workDir: string): Promise<UploadResult> {
  const size = (await stat(zipFile)).size;
  const uploadUrl = `${url}/api/packages/${owner}/go/upload`;
  // Warm the upload path with a small module so lazy initialisation is not counted as growth.
  const small = path.join(workDir, 'warmup.zip');
  const z = new ZipWriter(small);
  await z.add({ name: 'example.com/bench/small@v1.0.0/go.mod', data: 'module example.com/bench/small\n' });
  await z.close();
  await curl(['--user', `bench:${secret}`, '--upload-file', small, uploadUrl]);
  await new Promise((r) => setTimeout(r, 500));
  const baseline = await rssBytes(pid);
  let peak = baseline;
  const sampler = setInterval(() => {
    rssBytes(pid).then((v) => (peak = Math.max(peak, v)), () => {});
  }, 10);
  const started = process.hrtime.bigint();
  const res = await curl(['--user', `bench:${secret}`, '--upload-file', zipFile, uploadUrl]);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${res.body}`);
  return {
    zipBytes: size,
    seconds: Number(seconds.toFixed(3)),
    megabytesPerSecond: Number((size / 1e6 / seconds).toFixed(1)),
    rssBaselineMiB: Number((baseline / MiB).toFixed(1)),
    rssPeakGrowthMiB: Number(((peak - baseline) / MiB).toFixed(1)),
  };
}
