/**
 * What the benchmark needs beyond the registry: nginx and wrk from Debian's packages
 * (installed with apt-get when missing, as scripts/setup-test-machine.sh does), and
 * Athens (`go install`, or built from its source archive) into
 * ~/.cache/go-registry/athens-<version>/ so reruns find it at once.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../test/support/paths.js';

const run = promisify(execFile);

export const ATHENS_VERSION = process.env.BENCH_ATHENS_VERSION ?? 'v0.18.0';
const CACHE = path.join(os.homedir(), '.cache', 'go-registry');

async function which(cmd: string): Promise<string | undefined> {
  const { stdout } = await run('sh', ['-c', `command -v ${cmd} || true`]);
  return stdout.trim() || undefined;
}

/** nginx and wrk: found on PATH (or /usr/sbin), else installed with apt-get as root. */
export async function ensureDebianTools(): Promise<{ nginx: string; wrk: string }> {
  const find = async () => ({
    nginx: (await which('nginx')) ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : undefined),
    wrk: await which('wrk'),
  });
  let found = await find();
  const missing = [!found.nginx && 'nginx-light', !found.wrk && 'wrk'].filter((p): p is string => Boolean(p));
  if (missing.length > 0) {
    if (process.getuid?.() !== 0) throw new Error(`bench needs ${missing.join(', ')}: apt-get install ${missing.join(' ')}`);
    console.log(`bench: installing ${missing.join(', ')} with apt-get…`);
    await run('apt-get', ['update', '-qq']);
    await run('apt-get', ['install', '-y', '-qq', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    // Debian's package starts a default server on port 80; the benchmark runs its own.
    await run('sh', ['-c', 'systemctl stop nginx 2>/dev/null || service nginx stop 2>/dev/null || true']);
    found = await find();
  }
  if (!found.nginx || !found.wrk) throw new Error('nginx or wrk still missing after apt-get install');
  return { nginx: found.nginx, wrk: found.wrk };
}

export async function toolVersions(nginx: string, wrk: string): Promise<Record<string, string>> {
  const out = async (cmd: string, args: string[]) => {
    const r = await run(cmd, args).catch((e: { stdout?: string; stderr?: string }) => e);
    return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0]!.trim();
  };
  return {
    node: process.version,
    nginx: await out(nginx, ['-v']),
    wrk: await out(wrk, ['-v']),
    go: await out('go', ['version']),
    postgres: await out('/usr/lib/postgresql/15/bin/postgres', ['--version']),
  };
}

/**
 * Athens' proxy binary, or why there is none. `go install` from the Go module proxy first;
 * where that proxy refuses the module (403 here, for every version), `./cmd/proxy` is built
 * from a source archive (BENCH_ATHENS_SRC, default ../shared/baselines/athens-<version>-src.tar.gz
 * beside the checkout), its dependencies fetched from the Go module proxy as usual.
 */
export async function ensureAthens(): Promise<{ binary?: string; error?: string }> {
  const dir = path.join(CACHE, `athens-${ATHENS_VERSION}`);
  const binary = path.join(dir, 'bin', 'proxy');
  if (existsSync(binary)) return { binary };
  const building = `${dir}.building-${process.pid}`;
  await mkdir(path.join(building, 'bin'), { recursive: true });
  const env = { ...process.env, GOBIN: path.join(building, 'bin'), GOFLAGS: '-modcacherw', GOTOOLCHAIN: 'auto' };
  const lastLines = (err: unknown) => {
    const e = err as { stderr?: string; message: string };
    return (e.stderr || e.message).trim().split('\n').slice(-2).join(' ');
  };
  try {
    try {
      console.log(`bench: building Athens ${ATHENS_VERSION} with go install…`);
      await run('go', ['install', `github.com/gomods/athens/cmd/proxy@${ATHENS_VERSION}`], { env, maxBuffer: 16 << 20 });
    } catch (installErr) {
      const archive = process.env.BENCH_ATHENS_SRC ?? path.resolve(REPO_ROOT, '..', 'shared', 'baselines', `athens-${ATHENS_VERSION}-src.tar.gz`);
      if (!existsSync(archive)) throw new Error(`go install: ${lastLines(installErr)}; no source archive at ${archive}`);
      console.log(`bench: go install refused (${lastLines(installErr)}); building ./cmd/proxy from ${archive}…`);
      await run('tar', ['xzf', archive, '-C', building]);
      await run('go', ['build', '-o', binary.replace(dir, building), './cmd/proxy'], { env, cwd: path.join(building, `athens-${ATHENS_VERSION}`), maxBuffer: 16 << 20 });
      await rm(path.join(building, `athens-${ATHENS_VERSION}`), { recursive: true, force: true });
    }
    await rm(dir, { recursive: true, force: true });
    await rename(building, dir);
    return { binary };
  } catch (err) {
    await rm(building, { recursive: true, force: true });
    return { error: lastLines(err) };
  }
}
