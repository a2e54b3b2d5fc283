/**
 * A TCP proxy for sync tests: sits between a station and the hub and can cut
 * connections in the middle of a request or of its answer, refuse connections
 * (hub "gone"), and replay every request a second time on its own connection
 * (duplicate delivery). It works on bytes, so it knows nothing of HTTP.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface ProxyChaos {
  /** Probability (0..1), per request, that the connection is cut after the request reached the hub, before the answer. */
  cutAfterRequest?: number;
  /** Probability, per request, that the answer is cut after its first bytes. */
  cutDuringResponse?: number;
  /** Refuse every connection (close it at once). */
  refuse?: boolean;
  /** Send every client byte a second time to the hub on another connection, this many ms later; the answers are thrown away. */
  replayDelayMs?: number | null;
}

export interface TcpProxy {
  port: number;
  url: string;
  setTarget(port: number): void;
  chaos: ProxyChaos;
  stats: { connections: number; cuts: number; replays: number; refused: number };
  /** Cuts every open connection now. */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, options: { random?: () => number } = {}): Promise<TcpProxy> {
  const random = options.random ?? Math.random;
  let target = targetPort;
  const open = new Set<Socket>();
  const stats = { connections: 0, cuts: 0, replays: 0, refused: 0 };
  const chaos: ProxyChaos = {};
  const track = (s: Socket): Socket => {
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => undefined);
    return s;
  };

  const server: Server = createServer((client) => {
    track(client);
    stats.connections++;
    if (chaos.refuse) {
      stats.refused++;
      client.destroy();
      return;
    }
    const upstream = track(connect({ host: '127.0.0.1', port: target }));
    // Decided again for every burst of request bytes (a keep-alive connection carries many requests).
    let cutRequest = false;
    let cutResponse = false;
    const replayDelay = chaos.replayDelayMs ?? null;
    const replay = replayDelay !== null ? track(connect({ host: '127.0.0.1', port: target })) : null;
    if (replay) replay.on('data', () => undefined);
    const cut = (): void => {
      stats.cuts++;
      client.destroy();
      upstream.destroy();
    };

    client.on('data', (chunk: Buffer) => {
      if (!cutRequest && !cutResponse) {
        cutRequest = random() < (chaos.cutAfterRequest ?? 0);
        cutResponse = !cutRequest && random() < (chaos.cutDuringResponse ?? 0);
      }
      upstream.write(chunk);
      if (replay) {
        stats.replays++;
        setTimeout(() => { if (!replay.destroyed) replay.write(chunk); }, replayDelay ?? 0);
      }
      // Give the hub time to read (and apply) the request, then cut before the answer comes back.
      if (cutRequest) setTimeout(cut, 30);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (cutRequest) return;
      if (cutResponse) {
        client.write(chunk.subarray(0, Math.max(1, Math.floor(chunk.length / 3))));
        cut();
        return;
      }
      client.write(chunk);
    });
    client.on('close', () => {
      upstream.destroy();
      if (replay) setTimeout(() => replay.destroy(), (replayDelay ?? 0) + 500);
    });
    upstream.on('close', () => client.destroy());
    upstream.on('error', () => client.destroy());
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    setTarget: (p) => { target = p; },
    chaos,
    stats,
    dropAll: () => { for (const s of open) s.destroy(); },
    close: () => new Promise<void>((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    }),
  };
}
