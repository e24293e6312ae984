/**
 * The registry's stdout on a pipe, as a container runtime gives it: a burst of access-log
 * lines reaches a reader that pauses a moment after each chunk (as a busy node's would)
 * as fast as it reads them, and SIGTERM does not wait seconds for a backlog to flush.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, constants, openSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { track } from '../support/child-processes.js';
import { eventually } from '../support/eventually.js';
import { REPO_ROOT, tempDir } from '../support/paths.js';

const REQUESTS = 20_000;

test('access logs on a pipe keep up with its reader; shutdown does not wait for a backlog', async () => {
  const { dir, remove } = await tempDir('log-pipe');
  const fifo = path.join(dir, 'stdout');
  await promisify(execFile)('mkfifo', [fifo]);
  // Read and write ends of a named pipe: the registry gets the write end as its stdout.
  const reader = new net.Socket({ fd: openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK), readable: true, writable: false });
  let text = '';
  reader.setEncoding('utf8');
  // A reader a little slower than a tight loop, as a container runtime's is: it pauses after each chunk.
  reader.on('data', (d: string) => {
    text += d;
    reader.pause();
    setTimeout(() => reader.resume(), 20);
  });
  const out = openSync(fifo, constants.O_WRONLY);
  const child = spawn(process.execPath, ['dist/registry/main.js'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', DATA_DIR: path.join(dir, 'data'), REGISTRY_ADMIN_TOKEN: 'log-pipe-admin-token-0123456789' },
    // stderr on the same pipe (2>&1, journald): when anything sets stderr non-blocking, stdout's description is too.
    stdio: ['ignore', out, out],
  });
  track(child);
  closeSync(out);
  try {
    const port = await eventually('listening', async () => Number(/"port":(\d+),"url":"[^"]+","msg":"listening"/.exec(text)?.[1] ?? 0) || undefined, { intervalMs: 50 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const get = () =>
      new Promise<void>((resolve, reject) =>
        http.get({ host: '127.0.0.1', port, path: '/healthz', agent, headers: { 'X-Request-Id': 'burst' } }, (res) => res.resume().on('end', resolve)).on('error', reject),
      );
    let sent = 0;
    const send = async () => {
      while (sent++ < REQUESTS) await get();
    };
    await Promise.all(Array.from({ length: 32 }, send));
    agent.destroy();
    const count = () => text.split('\n').filter((l) => l.includes('"reqId":"burst"')).length;
    const answered = Date.now();
    await eventually(`${REQUESTS} access-log lines`, async () => count() === REQUESTS, { timeoutMs: 20_000, intervalMs: 20 });
    const drained = Date.now() - answered;
    // Before: each EAGAIN cost sonic-boom 100 ms, so ~5 MB of lines took many seconds.
    assert.ok(drained < 2_000, `the log reached the reader ${drained} ms after the last answer`);
    const stopping = Date.now();
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0);
    assert.ok(Date.now() - stopping < 5_000, `SIGTERM took ${Date.now() - stopping} ms`);
    const broken = text.split('\n').filter((l) => l && !l.startsWith('{'));
    assert.deepEqual(broken, []);
  } finally {
    child.kill('SIGKILL');
    reader.destroy();
    await remove();
  }
});
