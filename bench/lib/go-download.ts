/**
 * The client-side scenario: `go mod download all` in a consumer that requires every
 * module of the graph, with a cold module cache each time (its own GOPATH and
 * GOMODCACHE; the build cache is not involved). Each run against a proxy is paired with
 * a `file://` run right before it: the machine's speed drifts between minutes, so the
 * ratio is the median of the pairs' ratios, not a ratio of medians taken apart.
 *
 * The client's GOPATH and module cache go on a tmpfs when the machine has one: on disk,
 * the writeback of what each run extracts swung file:// runs from 0.16 to 1.4 s and
 * buried the proxies' differences; in memory the runs measure the client and the proxy.
 */
import { access, constants, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { goClient } from '../../test/support/go-client.js';

export interface DownloadResult {
  /** Median seconds of the runs against this proxy. */
  seconds: number;
  runs: number[];
  /** The paired file:// runs, and the median of run ÷ its file:// run (absent for file:// itself). */
  fileRuns?: number[];
  ratioToFile?: number;
}

/** One cold-module-cache `go mod download all` of the consumer through `goproxy`: seconds. */
export async function goDownloadOnce(dir: string, goproxy: string, consumerGoMod: string): Promise<number> {
  const client = await goClient(dir, goproxy);
  await writeFile(path.join(client.consumer, 'go.mod'), consumerGoMod);
  const started = process.hrtime.bigint();
  await client.go(['mod', 'download', 'all']);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await rm(dir, { recursive: true, force: true });
  return seconds;
}

/** A folder for the go client's runs: under /dev/shm when it can be written, else under `work`. */
export async function goClientRoot(work: string): Promise<{ dir: string; onTmpfs: boolean; remove(): Promise<void> }> {
  const onTmpfs = await access('/dev/shm', constants.W_OK).then(() => true, () => false);
  const dir = await mkdtemp(path.join(onTmpfs ? '/dev/shm' : work, 'go-registry-bench-go-'));
  return { dir, onTmpfs, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** `runs` runs against goproxy, each right after one against fileProxy (omit it for file:// itself). */
export async function goModDownloadAll(dir: string, goproxy: string, consumerGoMod: string, runs: number, fileProxy?: string): Promise<DownloadResult> {
  const times: number[] = [];
  const fileTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (fileProxy) fileTimes.push(await goDownloadOnce(path.join(dir, `file-${i}`), fileProxy, consumerGoMod));
    times.push(await goDownloadOnce(path.join(dir, `run-${i}`), goproxy, consumerGoMod));
  }
  const result: DownloadResult = { seconds: round(median(times)), runs: times.map(round) };
  if (fileProxy) {
    result.fileRuns = fileTimes.map(round);
    result.ratioToFile = Math.round(median(times.map((t, i) => t / fileTimes[i]!)) * 1000) / 1000;
  }
  return result;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (s: number) => Math.round(s * 1000) / 1000;
