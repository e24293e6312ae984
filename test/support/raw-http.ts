/**
 * HTTP/1.1 requests written byte for byte on a fresh connection (node:net), so that a
 * fuzz test can send what fetch and http.request refuse or normalize: NUL and non-Latin-1
 * bytes in headers, raw `..` and broken %-escapes in the target, huge header values.
 * The answer is read to the end of the connection (Connection: close).
 */
import net from 'node:net';

export interface RawRequest {
  method: string;
  /** The request target exactly as sent. */
  target: string | Buffer;
  /** Header lines, sent as given (a Buffer may hold any bytes). */
  headers?: (string | Buffer)[];
  body?: Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const CRLF = Buffer.from('\r\n');

export function encodeRequest(r: RawRequest): Buffer {
  const lines: Buffer[] = [Buffer.concat([Buffer.from(`${r.method} `), Buffer.from(r.target), Buffer.from(' HTTP/1.1')]), Buffer.from('Host: 127.0.0.1')];
  for (const h of r.headers ?? []) lines.push(Buffer.from(h));
  lines.push(Buffer.from('Connection: close'));
  if (r.body) lines.push(Buffer.from(`Content-Length: ${r.body.length}`));
  const head = Buffer.concat(lines.flatMap((l) => [l, CRLF]));
  return Buffer.concat([head, CRLF, r.body ?? Buffer.alloc(0)]);
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf(CRLF, at);
    if (eol < 0) throw new Error('chunked body cut short');
    const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size)) throw new Error('bad chunk size');
    if (size === 0) return Buffer.concat(parts);
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

export function parseResponse(raw: Buffer, method: string): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no complete response head: ${JSON.stringify(raw.subarray(0, 200).toString('latin1'))}`);
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  if (!status) throw new Error(`bad status line ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (method === 'HEAD' || status === 304 || status === 204) body = Buffer.alloc(0);
  else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  return { status, headers, body };
}

/** Sends the request to host:port and resolves with the whole answer; rejects after timeoutMs. */
export function rawRequest(port: number, r: RawRequest, timeoutMs = 30_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      clearTimeout(timer);
      // The server may answer and close before it read the whole request body (401 before an upload).
      if (chunks.length > 0 && (err as NodeJS.ErrnoException).code === 'ECONNRESET') return finish();
      reject(err);
    });
    const finish = () => {
      clearTimeout(timer);
      try {
        resolve(parseResponse(Buffer.concat(chunks), r.method));
      } catch (err) {
        reject(err as Error);
      }
    };
    socket.on('end', finish);
    socket.write(encodeRequest(r));
  });
}
