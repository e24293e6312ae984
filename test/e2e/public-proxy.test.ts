/**
 * One small test against the real world: the Go module proxy this machine is configured
 * with (`go env GOPROXY`, its first proxy) as the registry's upstream, and Go's public
 * checksum database reached through it. The real go command, with its default GOSUMDB,
 * downloads a public module through the registry's `/go` endpoint and verifies it; the
 * hash it reports is the one the public checksum database holds. Skipped, with the
 * reason printed, only where that proxy cannot be reached.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { goClient } from '../support/go-client.js';
import { startTestRegistry, type TestRegistry } from '../support/in-process-registry.js';
import { tempDir } from '../support/paths.js';

const configured = execFileSync('go', ['env', 'GOPROXY'], { encoding: 'utf8' }).trim();
const proxy = configured.split(/[,|]/).find((p) => p.startsWith('http'));

async function unreachable(): Promise<string | undefined> {
  if (!proxy) return `go env GOPROXY is ${JSON.stringify(configured)}: no proxy to ask`;
  try {
    const res = await fetch(`${proxy}/rsc.io/quote/@v/v1.5.2.info`, { signal: AbortSignal.timeout(10_000) });
    return res.ok ? undefined : `${proxy} answered ${res.status}`;
  } catch (err) {
    return `${proxy} cannot be reached: ${(err as Error).cause ?? (err as Error).message}`;
  }
}

let reg: TestRegistry | undefined;
let dir: { dir: string; remove: () => Promise<void> };
let skip: string | undefined;

before(async () => {
  skip = await unreachable();
  if (skip) return;
  dir = await tempDir('public-proxy');
  reg = await startTestRegistry({ UPSTREAM_GOPROXY: proxy!, UPSTREAM_SUMDB: 'sum.golang.org' });
});
after(async () => {
  await reg?.stop();
  await dir?.remove();
});

test(`a public module from the configured Go module proxy, verified by go against sum.golang.org through the registry`, async (t) => {
  if (skip) {
    console.log(`# skipped: ${skip}`);
    t.skip(skip);
    return;
  }
  const go = await goClient(dir.dir, `${reg!.url}/go`);
  const env = { GOSUMDB: 'sum.golang.org' };
  const { stdout } = await go.go(['mod', 'download', '-json', 'rsc.io/quote@v1.5.2'], { env });
  const m = JSON.parse(stdout) as { Sum: string; GoModSum: string };
  // The hashes every go.sum in the world holds for rsc.io/quote v1.5.2.
  assert.equal(m.Sum, 'h1:w5fcysjrx7yqtD/aO+QwRjYZOKnaM9Uh2b40tElTs3Y=');
  assert.equal(m.GoModSum, 'h1:LzX7hefJvL54yjefDEDHNONDjII0t9xZLPXsUe+TKr0=');
  const metrics = await (await fetch(`${reg!.url}/metrics`)).text();
  assert.match(metrics, /goregistry_upstream_requests_total\{[^}]*\} [1-9]/, 'fetched from the upstream, not from anywhere else');
  const sumdb = await fetch(`${reg!.url}/go/sumdb/sum.golang.org/lookup/rsc.io/quote@v1.5.2`);
  assert.equal(sumdb.status, 200, 'the lookup go made is served by the registry');
  assert.match(await sumdb.text(), /rsc\.io\/quote v1\.5\.2 h1:w5fcysjrx7yqtD/);
});
