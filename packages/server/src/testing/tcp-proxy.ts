/**
 * A TCP proxy in front of a test server that can misbehave like a network:
 * drop every connection, refuse new ones, or go silent without closing
 * (a dead link the client only notices when heartbeats stop).
 */
import net from "node:net";

/** A running proxy; `url` is its base URL. */
export interface TcpProxy {
  readonly url: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Destroy every open connection (both sides). */
  dropAll(): void;
  /** Refuse (reset) new connections while true. */
  refuse(on: boolean): void;
  /** Stop forwarding the server's bytes, without closing, on open connections whose latest request line matches. */
  freeze(request?: RegExp): void;
  close(): Promise<void>;
}

/** Start a proxy on 127.0.0.1 to `target` (a base URL such as http://127.0.0.1:41234). */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket; lastRequest: string }>();
  let refusing = false;
  let accepted = 0;
  const server = net.createServer((client) => {
    if (refusing) return client.resetAndDestroy();
    accepted++;
    const upstream = net.connect(Number(port), hostname);
    const pair = { client, upstream, lastRequest: "" };
    pairs.add(pair);
    // Remember each connection's latest request line, so a test can freeze just the event stream.
    client.on("data", (chunk: Buffer) => {
      const m = /^(GET|POST|PUT|DELETE|HEAD) \S+/.exec(chunk.toString("latin1", 0, 300));
      if (m !== null) pair.lastRequest = m[0];
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    get accepted() {
      return accepted;
    },
    dropAll: () => {
      for (const p of [...pairs]) {
        p.client.destroy();
        p.upstream.destroy();
      }
    },
    refuse: (on) => {
      refusing = on;
    },
    freeze: (request) => {
      for (const p of pairs) {
        if (request !== undefined && !request.test(p.lastRequest)) continue;
        p.upstream.unpipe(p.client);
        p.upstream.pause();
      }
    },
    close: async () => {
      for (const p of [...pairs]) {
        p.client.destroy();
        p.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
