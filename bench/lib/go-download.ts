/**
 * The client-side scenario: `go mod download all` in a consumer that requires every
 * module of the graph, with a cold module cache each time (its own GOPATH and
 * GOMODCACHE; the build cache is not involved). The median of a few runs is kept.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { goClient } from '../../test/support/go-client.js';

export interface DownloadResult {
  seconds: number;
  runs: number[];
}

export async function goModDownloadAll(dir: string, goproxy: string, consumerGoMod: string, runs: number): Promise<DownloadResult> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const root = path.join(dir, `run-${i}`);
    const client = await goClient(root, goproxy);
    await writeFile(path.join(client.consumer, 'go.mod'), consumerGoMod);
    const started = process.hrtime.bigint();
    await client.go(['mod', 'download', 'all']);
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
    await rm(root, { recursive: true, force: true });
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { seconds: round(sorted[Math.floor(sorted.length / 2)]!), runs: times.map(round) };
}

const round = (s: number) => Math.round(s * 1000) / 1000;
