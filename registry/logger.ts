/** Structured JSON logs (pino). Authorization headers and tokens are never logged. */
import { constants, fstatSync, openSync } from 'node:fs';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** The registry's logger; `destination` (tests) instead of stdout. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'go-registry' },
      redact: { paths: ['req.headers.authorization', 'token', '*.token'], censor: '[redacted]' },
    },
    // Asynchronous: a blocking write(2) per access-log line was a tenth of a cached read's
    // CPU time; lines written meanwhile go out together. pino flushes what is left on exit.
    // Each write(2) holds whole lines and at most PIPE_BUF bytes, so it is atomic on a pipe:
    // the lines of several worker processes sharing stdout never interleave mid-line.
    destination ?? pino.destination({ dest: stdoutForLogs(), sync: false, maxWrite: 4096 }),
  );
}

/**
 * stdout for the log, blocking. When Node.js sets up process.stdout or process.stderr on a
 * pipe it makes that file description non-blocking, and with `2>&1` (or journald) fd 1 shares
 * it. sonic-boom then meets EAGAIN whenever the reader is a moment behind and waits 100 ms per
 * retry: under load its buffer grew without bound and a shutdown spent seconds flushing it
 * (test/e2e/log-pipe.test.ts). The pipe opened again through /proc is a description of its own,
 * blocking, so the writes (in libuv's thread pool) wait for the reader instead. Files and
 * terminals do not answer EAGAIN; a socket (a parent process's stdio) cannot be reopened.
 */
function stdoutForLogs(): number {
  try {
    if (fstatSync(1).isFIFO()) return openSync('/proc/self/fd/1', constants.O_WRONLY);
  } catch {
    // no /proc, or stdout closed: fd 1 as it is
  }
  return 1;
}
