/**
 * What a Pod's network does for a Service, for processes on this machine: an HTTP CONNECT
 * proxy (HTTPS_PROXY for go, curl and the operator) that routes a Service's DNS name and
 * port to a local port. TLS stays end to end, so clients verify the certificate against the
 * Service name as they would in the cluster. Any other destination is refused: nothing
 * leaves loopback.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ServiceProxy {
  url: string;
  /** Destinations clients asked for, in order (to assert traffic really went through the route). */
  requested: string[];
  close(): Promise<void>;
}

export async function startServiceProxy(routes: Record<string, number>): Promise<ServiceProxy> {
  const table = new Map(Object.entries(routes));
  const requested: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => res.writeHead(405, { 'Content-Type': 'text/plain' }).end('CONNECT only\n'));
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? '';
    requested.push(target);
    const port = table.get(target);
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (port === undefined) {
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n\r\nno such service\n');
      return;
    }
    const upstream = net.connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requested,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
