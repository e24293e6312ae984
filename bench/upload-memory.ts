/**
 * bench/upload-memory: uploads a generated ~300 MiB module zip with curl to a
 * registry process and reports throughput (MB/s) and the registry's peak RSS growth
 * (target < 64 MiB: the upload streams to disk and is validated from disk).
 * A benchmark, not a test: `npm run bench:upload-memory` (also part of `npm run bench`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createOwner } from '../test/support/admin-api.js';
import { REPO_ROOT, tempDir } from '../test/support/paths.js';
import { startRegistryProcess } from '../test/support/registry-process.js';
import { generateBigZip, measureUpload } from './lib/upload-scenario.js';

const MiB = 1024 * 1024;
const TARGET_BYTES = Number(process.env.BENCH_ZIP_MIB ?? 300) * MiB;
const TOKEN = 'bench-admin-token-0123456789abcdef';

async function main() {
  const { dir, remove } = await tempDir('bench-upload');
  try {
    const zipFile = path.join(dir, 'big.zip');
    process.stdout.write(`generating a ${Math.round(TARGET_BYTES / MiB)} MiB module zip… `);
    const size = await generateBigZip(zipFile, TARGET_BYTES);
    console.log(`${(size / MiB).toFixed(1)} MiB`);
    const registry = await startRegistryProcess({ DATA_DIR: path.join(dir, 'data'), REGISTRY_ADMIN_TOKEN: TOKEN });
    try {
      await createOwner(registry.url, TOKEN, 'bench', 'public');
      const measured = await measureUpload(registry.url, registry.pid, 'bench', TOKEN, zipFile, dir);
      const result = {
        benchmark: 'upload-memory',
        date: new Date().toISOString(),
        machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
        ...measured,
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
