/** Structured JSON logs (pino). Authorization headers and tokens are never logged. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
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
    pino.destination({ dest: 1, sync: false, maxWrite: 4096 }),
  );
}
