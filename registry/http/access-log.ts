/**
 * The access log: one line per request, written straight to the logger's destination as
 * the JSON pino itself writes for `logger.info({ reqId, method, path, status, ms,
 * credential?, aborted? }, 'request')` — the same bytes (test/unit/access-log.test.ts
 * compares them), the same stream and order as every other line. pino's generic
 * serialization of that object was about a sixth of a warm GOPROXY answer's CPU time;
 * this line's fields are known, so it is put together directly.
 */
import type { ServerResponse } from 'node:http';
import { pino } from 'pino';
import type { CredentialKind } from '../domain/identity.js';
import type { Logger } from '../logger.js';

/** What the line says of a request besides its status (read from the response once it is done). */
export interface AccessLine {
  readonly reqId: string;
  readonly method: string;
  readonly path: string;
  credential(): CredentialKind | undefined;
}

const INFO = 30;

export class AccessLog {
  private readonly stream: { write(line: string): unknown };
  /** The logger's own bindings (`,"service":"go-registry"`), as pino puts them after the time. */
  private readonly bindings: string;

  constructor(private readonly logger: Logger) {
    const internals = logger as unknown as Record<symbol, unknown>;
    this.stream = internals[pino.symbols.streamSym] as { write(line: string): unknown };
    this.bindings = internals[pino.symbols.chindingsSym] as string;
  }

  /**
   * Logs the request once the response is done: off the path to the client's first byte,
   * with the whole transfer in `ms` (a streamed zip's too), and saying so when it was cut
   * short. The same line whichever path answered (Koa's chain or lean-goproxy.ts).
   */
  whenDone(res: ServerResponse, started: bigint, a: AccessLine): void {
    const log = () => {
      const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
      this.write(a.reqId, a.method, a.path, res.statusCode, ms, a.credential(), !res.writableFinished);
    };
    // Already done — a small answer handed to the kernel whole, or a client already gone (its
    // 'close' has been): now. Otherwise when the response closes.
    if (res.writableFinished || res.closed) log();
    else res.once('close', log);
  }

  write(reqId: string, method: string, path: string, status: number, ms: number, credential: CredentialKind | undefined, aborted: boolean): void {
    if (this.logger.levelVal > INFO) return;
    this.stream.write(
      `{"level":${INFO},"time":${Date.now()}${this.bindings},"reqId":${JSON.stringify(reqId)},"method":${JSON.stringify(method)},"path":${JSON.stringify(path)}` +
        `,"status":${status},"ms":${ms}${credential ? `,"credential":"${credential}"` : ''}${aborted ? ',"aborted":true' : ''},"msg":"request"}\n`,
    );
  }
}
