import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { newId } from '../../common/ids';
import type { Logger } from '../../common/log';
import { silentLogger } from '../../common/log';
import type { Dispatcher } from '../api/dispatcher';

/**
 * The browser host: the built renderer and the station API over a WebSocket,
 * on 127.0.0.1 only. The per-launch secret in the URL is the only way in: a
 * WebSocket without it (or from another origin) is refused before upgrade.
 *
 * Wire: page -> `{ id, channel, payload }`; main -> `{ id, result }` for each
 * call and `{ event, payload }` for each event.
 */
export interface BrowserHostOptions {
  dispatcher: Dispatcher;
  /** The vite build of renderer/ (index.html and assets). */
  staticDir: string;
  port?: number;
  secret?: string;
  log?: Logger;
}

export interface BrowserHost {
  url: string;
  port: number;
  secret: string;
  close(): Promise<void>;
}

const mime: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export const contentSecurityPolicy = (connect: string): string =>
  [
    `default-src 'none'`,
    `script-src 'self'`,
    `style-src 'self'`,
    `img-src 'self' data:`,
    `font-src 'self'`,
    `connect-src ${connect}`,
    `base-uri 'none'`,
    `form-action 'none'`,
    `frame-ancestors 'none'`,
    `object-src 'none'`,
  ].join('; ');

const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const log = options.log ?? silentLogger;
  const secret = options.secret ?? randomBytes(24).toString('base64url');
  const root = resolve(options.staticDir);
  let port = 0;
  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];

  const serveStatic = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!allowedHosts().includes(req.headers.host ?? '')) {
      res.writeHead(421).end('Misdirected request');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(root, pathname === '/' ? 'index.html' : pathname));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error('not a file');
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': mime[extname(file)] ?? 'application/octet-stream',
        'Content-Security-Policy': contentSecurityPolicy(`ws://127.0.0.1:${port} ws://localhost:${port}`),
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res
        .writeHead(404, { 'Content-Type': 'text/plain' })
        .end(pathname === '/' ? 'The renderer is not built: run `npm run build` first.' : 'Not found');
    }
  };

  const server = createServer((req, res) => {
    serveStatic(req, res).catch(() => res.writeHead(500).end());
  });
  // an import carries up to 64 MiB of file as base64
  const wss = new WebSocketServer({ noServer: true, maxPayload: 96 * 1024 * 1024 });

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const origin = req.headers.origin;
    const okOrigin = origin === undefined || allowedHosts().some((h) => origin === `http://${h}`);
    const key = url.searchParams.get('k') ?? '';
    if (url.pathname !== '/api' || !okOrigin || !allowedHosts().includes(req.headers.host ?? '') || !sameSecret(key, secret)) {
      log.warn({ path: url.pathname, origin }, 'refused a WebSocket without the launch secret');
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });

  const onConnection = (ws: WebSocket): void => {
    const ctx = { sessionKey: `ws:${newId()}` };
    const send = (msg: unknown): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
    };
    const unsubscribe = options.dispatcher.subscribe((event, payload) => send({ event, payload }));
    ws.on('message', (data) => {
      let msg: unknown;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        send({ id: null, result: { ok: false, error: { code: 'BAD_REQUEST', message: 'The request was refused: it is not JSON.' } } });
        return;
      }
      const { id, channel, payload } = (typeof msg === 'object' && msg !== null ? msg : {}) as {
        id?: unknown;
        channel?: unknown;
        payload?: unknown;
      };
      void options.dispatcher
        .dispatch(channel, payload, ctx)
        .then((result) => send({ id: typeof id === 'number' || typeof id === 'string' ? id : null, result }));
    });
    ws.on('close', () => {
      unsubscribe();
      void options.dispatcher.dispatch('supervisor.logout', undefined, ctx);
    });
  };

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => ok());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?k=${secret}`,
    port,
    secret,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
