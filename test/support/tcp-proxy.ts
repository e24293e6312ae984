/**
 * A TCP proxy on loopback between the registry and PostgreSQL, to make network faults
 * happen on demand: `freeze()` silently stops forwarding on every connection open at that
 * moment (as a NAT or firewall that forgot them: no FIN, no RST, bytes go nowhere), while
 * new connections pass; `cut()` resets every open connection.
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** Connections opened so far. */
  readonly accepted: number;
  freeze(): void;
  cut(): void;
  stop(): Promise<void>;
}

/** listenPort: a port of its own (0: any free one), e.g. to come back where a stopped proxy was. */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1', listenPort = 0): Promise<TcpProxy> {
  const open = new Set<{ client: net.Socket; upstream: net.Socket; frozen: boolean }>();
  let accepted = 0;
  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(targetPort, targetHost);
    const pair = { client, upstream, frozen: false };
    open.add(pair);
    const forward = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk) => {
        if (!pair.frozen) to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', () => {
        // A frozen connection never tells the other side it ended.
        if (!pair.frozen) end();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get accepted() {
      return accepted;
    },
    freeze() {
      for (const pair of open) pair.frozen = true;
    },
    cut() {
      for (const pair of open) {
        pair.client.resetAndDestroy();
        pair.upstream.destroy();
      }
      open.clear();
    },
    async stop() {
      for (const pair of open) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
