/**
 * The real `go` command as a GOPROXY client, set up as a user would: its own GOPATH
 * and module cache, GOFLAGS=-modcacherw, no checksum database, no toolchain switching.
 * The build cache (GOCACHE) is shared: it only holds compiled code, not modules.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GoClient {
  env: NodeJS.ProcessEnv;
  /** A consumer module folder with a go.mod, ready for `go get`. */
  consumer: string;
  go(args: string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<{ stdout: string; stderr: string }>;
}

export async function goClient(root: string, goproxy: string): Promise<GoClient> {
  const consumer = path.join(root, 'consumer');
  await mkdir(consumer, { recursive: true });
  await writeFile(path.join(consumer, 'go.mod'), 'module example.com/consumer\n\ngo 1.21\n');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GOCACHE: process.env.GOCACHE ?? path.join(process.env.HOME ?? root, '.cache', 'go-build'),
    GOENV: 'off',
    GOPATH: path.join(root, 'gopath'),
    GOMODCACHE: path.join(root, 'modcache'),
    GOFLAGS: '-modcacherw',
    GOPROXY: goproxy,
    GOSUMDB: 'off',
    GONOSUMDB: '',
    GOPRIVATE: '',
    GONOPROXY: '',
    GOTOOLCHAIN: 'local',
    GO111MODULE: 'on',
    CGO_ENABLED: '0',
  };
  return {
    env,
    consumer,
    async go(args, options = {}) {
      try {
        return await run('go', args, { cwd: options.cwd ?? consumer, env: { ...env, ...options.env }, maxBuffer: 16 << 20 });
      } catch (err) {
        const e = err as { stderr?: string; message: string };
        throw new Error(`go ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
      }
    },
  };
}
