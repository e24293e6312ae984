/**
 * An HTTPS front for a plain-HTTP server on loopback that writes down every request it
 * passes on (method, URL, headers): the witness of what a client sent to, say, a bucket.
 * The Host header is passed unchanged, so signatures over it (SigV4) still hold.
 */
import http from 'node:http';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface RecordingHttpsProxy {
  /** https://127.0.0.1:port */
  url: string;
  readonly requests: readonly RecordedRequest[];
  stop(): Promise<void>;
}

export async function startRecordingHttpsProxy(target: string, tlsFiles: { certFile: string; keyFile: string }): Promise<RecordingHttpsProxy> {
  const to = new URL(target);
  const requests: RecordedRequest[] = [];
  const server = https.createServer({ cert: await readFile(tlsFiles.certFile), key: await readFile(tlsFiles.keyFile) }, (req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } });
    const upstream = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
