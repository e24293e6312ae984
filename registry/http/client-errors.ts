/**
 * Requests Node's HTTP parser refuses before Koa sees them (a NUL or newline in a header,
 * headers over 16 KiB, a malformed request line): Node's own answer is a bare
 * "400 Bad Request" with no body. A CONNECT request never reaches the app either: without
 * a 'connect' listener Node closes the connection without an answer. These get the
 * registry's kind of answer: a 4xx with a text/plain message naming the problem.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

interface ParserError extends Error {
  code?: string;
  reason?: string;
}

function answerFor(err: ParserError): { status: number; reason: string; message: string } {
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return { status: 431, reason: 'Request Header Fields Too Large', message: 'request headers too large: the limit is 16 KiB' };
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, reason: 'Request Timeout', message: 'request timed out' };
  const detail = (err.reason ?? err.message ?? 'malformed request').replace(/[^\x20-\x7e]/g, '?');
  return { status: 400, reason: 'Bad Request', message: `malformed HTTP request: ${detail}` };
}

function endWith(socket: Socket, status: number, reason: string, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function answerClientErrors(server: Server): void {
  server.on('connect', (_req: unknown, socket: Socket) => endWith(socket, 405, 'Method Not Allowed', 'method CONNECT not allowed: this is not a proxy'));
  server.on('clientError', (err: ParserError, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const { status, reason, message } = answerFor(err);
    endWith(socket, status, reason, message);
  });
}
