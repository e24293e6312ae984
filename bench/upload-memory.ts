/**
 * bench/upload-memory: uploads a generated ~300 MiB module zip with curl to a
 * registry process and reports throughput (MB/s) and the registry's peak RSS growth
 * (target < 64 MiB: the upload streams to disk and is validated from disk).
 * A benchmark, not a test: `npm run bench:upload-memory`. Results: bench/results/.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createOwner } from '../test/support/admin-api.js';
import { curl } from '../test/support/curl.js';
import { REPO_ROOT, tempDir } from '../test/support/paths.js';
import { startRegistryProcess } from '../test/support/registry-process.js';
import { ZipWriter } from '../test/support/zip-writer.js';

const MiB = 1024 * 1024;
const TARGET_BYTES = Number(process.env.BENCH_ZIP_MIB ?? 300) * MiB;
const TOKEN = 'bench-admin-token-0123456789abcdef';

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb) * 1024;
}

/** 4 MiB files of random bytes (stored, incompressible) plus deflated sources. */
async function generateZip(file: string): Promise<number> {
  const zip = new ZipWriter(file);
  const prefix = 'example.com/bench/big@v1.0.0/';
  await zip.add({ name: `${prefix}go.mod`, data: 'module example.com/bench/big\n\ngo 1.21\n' });
  const source = 'package big\n\n' + 'var Data = "0123456789abcdefghijklmnopqrstuvwxyz"\n'.repeat(20_000);
  let written = 0;
  for (let i = 0; written < TARGET_BYTES; i++) {
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

async function main() {
  const { dir, remove } = await tempDir('bench-upload');
  try {
    const zipFile = path.join(dir, 'big.zip');
    process.stdout.write(`generating a ${Math.round(TARGET_BYTES / MiB)} MiB module zip… `);
    const size = await generateZip(zipFile);
    console.log(`${(size / MiB).toFixed(1)} MiB`);
    const registry = await startRegistryProcess({ DATA_DIR: path.join(dir, 'data'), REGISTRY_ADMIN_TOKEN: TOKEN });
    try {
      await createOwner(registry.url, TOKEN, 'bench', 'public');
      // Warm the upload path with a small module so lazy initialisation is not counted as growth.
      const small = path.join(dir, 'small.zip');
      const z = new ZipWriter(small);
      await z.add({ name: 'example.com/bench/small@v1.0.0/go.mod', data: 'module example.com/bench/small\n' });
      await z.close();
      await curl(['--user', `bench:${TOKEN}`, '--upload-file', small, `${registry.url}/api/packages/bench/go/upload`]);
      await new Promise((r) => setTimeout(r, 500));
      const baseline = await rssBytes(registry.pid);
      let peak = baseline;
      const sampler = setInterval(() => {
        rssBytes(registry.pid).then((v) => (peak = Math.max(peak, v)), () => {});
      }, 10);
      const started = process.hrtime.bigint();
      const res = await curl(['--user', `bench:${TOKEN}`, '--upload-file', zipFile, `${registry.url}/api/packages/bench/go/upload`]);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      clearInterval(sampler);
      if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${res.body}`);
      const result = {
        benchmark: 'upload-memory',
        date: new Date().toISOString(),
        machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
        zipBytes: size,
        seconds: Number(seconds.toFixed(3)),
        megabytesPerSecond: Number((size / 1e6 / seconds).toFixed(1)),
        rssBaselineMiB: Number((baseline / MiB).toFixed(1)),
        rssPeakGrowthMiB: Number(((peak - baseline) / MiB).toFixed(1)),
        targets: { megabytesPerSecond: 150, rssPeakGrowthMiB: 64 },
      };
      await mkdir(path.join(REPO_ROOT, 'bench', 'results'), { recursive: true });
      await writeFile(path.join(REPO_ROOT, 'bench', 'results', 'upload-memory.json'), JSON.stringify(result, null, 2) + '\n');
      console.log(`| zip | time | throughput | RSS growth (peak) |\n|---|---|---|---|`);
      console.log(`| ${(size / MiB).toFixed(0)} MiB | ${result.seconds} s | ${result.megabytesPerSecond} MB/s (target ≥ 150) | ${result.rssPeakGrowthMiB} MiB (target < 64) |`);
    } finally {
      await registry.stop();
    }
  } finally {
    await remove();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
