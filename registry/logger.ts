/** Structured JSON logs (pino). Authorization headers and tokens are never logged. */
import { constants, fstatSync, openSync } from 'node:fs';
import { pino, type DestinationStream, type Logger } from 'pino';
import { LineWriter } from './log-destination.js';

export type { Logger };

/** The registry's logger; `destination` (tests) instead of stdout. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'go-registry' },
      redact: { paths: ['req.headers.authorization', 'token', '*.token'], censor: '[redacted]' },
    },
    // One write(2) per turn of the event loop, of whole lines (log-destination.ts): a write
    // per access-log line was a tenth of a cached read's CPU time.
    destination ?? new LineWriter(stdoutForLogs()),
  );
}

/**
 * stdout for the log, blocking. When Node.js sets up process.stdout or process.stderr on a
 * pipe it makes that file description non-blocking, and with `2>&1` (or journald) fd 1 shares
 * it. A writer then meets EAGAIN whenever the reader is a moment behind (sonic-boom waited
 * 100 ms per retry: under load its buffer grew without bound and a shutdown spent seconds
 * flushing it, test/e2e/log-pipe.test.ts). The pipe opened again through /proc is a
 * description of its own, blocking, so the writes wait for the reader instead. Files and
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
