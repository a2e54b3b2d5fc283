/**
 * A TCP proxy for sync tests: sits between stations and the hub (or several hub
 * processes, taking them in turn per connection, as a round-robin load
 * balancer does) and can cut
 * connections in the middle of a request or of its answer, refuse connections
 * (hub "gone"), and replay every request a second time on its own connection
 * (duplicate delivery). It works on bytes; only to tell when every replayed
 * request was answered does it count HTTP/1.1 request and status lines.
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
  /** The hub's port, or several: each new connection goes to the next one in turn. */
  setTarget(port: number | readonly number[]): void;
  chaos: ProxyChaos;
  /** `perTarget`: connections sent to each port. */
  stats: { connections: number; cuts: number; replays: number; refused: number; perTarget: Record<number, number> };
  /** Resolves once the hub has answered every replayed request sent so far (or its connection closed). */
  replaysAnswered(): Promise<void>;
  /** Cuts every open connection now. */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number | readonly number[], options: { random?: () => number } = {}): Promise<TcpProxy> {
  const random = options.random ?? Math.random;
  let targets = ([] as number[]).concat(targetPort);
  let turn = 0;
  const open = new Set<Socket>();
  const stats: TcpProxy['stats'] = { connections: 0, cuts: 0, replays: 0, refused: 0, perTarget: {} };
  const chaos: ProxyChaos = {};
  // Replayed requests sent (or scheduled) and not answered yet, over all replay connections.
  let unanswered = 0;
  const waiters: (() => void)[] = [];
  const answered = (n: number): void => {
    unanswered -= n;
    if (unanswered === 0) for (const w of waiters.splice(0)) w();
  };
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
    const target = targets[turn++ % targets.length]!;
    stats.perTarget[target] = (stats.perTarget[target] ?? 0) + 1;
    const upstream = track(connect({ host: '127.0.0.1', port: target }));
    // Decided again for every burst of request bytes (a keep-alive connection carries many requests).
    let cutRequest = false;
    let cutResponse = false;
    const replayDelay = chaos.replayDelayMs ?? null;
    const replay = replayDelay !== null ? track(connect({ host: '127.0.0.1', port: target })) : null;
    let replayOpen = 0; // this connection's replayed requests still without an answer
    if (replay) {
      let tail = '';
      replay.on('data', (chunk: Buffer) => {
        const text = tail + chunk.toString('latin1');
        const statusLines = [...text.matchAll(/HTTP\/1\.1 \d{3} /g)].filter((m) => m.index + m[0].length > tail.length).length;
        tail = text.slice(-12);
        const n = Math.min(statusLines, replayOpen);
        replayOpen -= n;
        answered(n);
      });
      replay.on('close', () => {
        const n = replayOpen;
        replayOpen = 0;
        answered(n);
      });
    }
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
        const starts = /^[A-Z]+ \S+ HTTP\/1\.1\r\n/.test(chunk.toString('latin1', 0, 2048)) && !replay.destroyed ? 1 : 0;
        replayOpen += starts;
        unanswered += starts;
        setTimeout(() => {
          if (!replay.destroyed) replay.write(chunk);
          else if (starts > 0 && replayOpen > 0) {
            replayOpen--;
            answered(1);
          }
        }, replayDelay ?? 0);
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
    setTarget: (p) => {
      targets = ([] as number[]).concat(p);
    },
    chaos,
    stats,
    replaysAnswered: () => (unanswered === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    dropAll: () => {
      for (const s of open) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
