/**
 * The floor under the framework: Node's own HTTP server answering every request with a
 * fixed ~60-byte JSON body from memory and the headers a GOPROXY answer has (no routing, no
 * auth, no logging). `npm run bench -- cost` runs it beside the trivial Koa handler.
 * Prints `listening <port>` when ready; PORT=0 picks a free one.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const body = JSON.stringify({ Version: 'v1.2.0', Time: '2026-01-01T00:00:00Z' });
const server = http.createServer((_req, res) => {
  res
    .writeHead(200, ['X-Request-Id', randomUUID(), 'Cache-Control', 'public, max-age=31536000, immutable', 'Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(Buffer.byteLength(body))])
    .end(body);
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
