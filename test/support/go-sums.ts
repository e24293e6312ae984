/**
 * The go.sum lines of module versions as the go command computes them (not our code):
 * `go mod download -json` from a GOPROXY, with no checksum database, in a throwaway
 * module cache. Tests give these lines to a reference checksum database.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './paths.js';

const run = promisify(execFile);

export async function goSumLines(goproxy: string, modules: string[]): Promise<string> {
  const { dir, remove } = await tempDir('go-sums');
  try {
    const env = {
      PATH: process.env.PATH, HOME: process.env.HOME, GOENV: 'off', GOFLAGS: '-modcacherw', GOPROXY: goproxy, GOSUMDB: 'off',
      GOPATH: path.join(dir, 'gopath'), GOMODCACHE: path.join(dir, 'modcache'), GOTOOLCHAIN: 'local', GO111MODULE: 'on',
      GOCACHE: process.env.GOCACHE ?? path.join(process.env.HOME ?? dir, '.cache', 'go-build'),
    };
    const { stdout } = await run('go', ['mod', 'download', '-json', ...modules], { cwd: dir, env, maxBuffer: 16 << 20 });
    const lines: string[] = [];
    // -json prints one object per module, concatenated.
    for (const text of stdout.split(/\n(?=\{)/)) {
      const m = JSON.parse(text) as { Path: string; Version: string; Sum?: string; GoModSum?: string; Error?: string };
      if (m.Error || !m.Sum || !m.GoModSum) throw new Error(`go mod download ${m.Path}@${m.Version}: ${m.Error ?? 'no sums'}`);
      lines.push(`${m.Path} ${m.Version} ${m.Sum}`, `${m.Path} ${m.Version}/go.mod ${m.GoModSum}`);
    }
    return lines.join('\n') + '\n';
  } finally {
    await remove();
  }
}
