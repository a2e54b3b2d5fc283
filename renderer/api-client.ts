import type { StationApi } from '../common/api/types';
import type { Result } from '../common/result';

declare global {
  interface Window {
    api?: StationApi;
  }
}

type Pending = { resolve: (r: Result<unknown>) => void };

const lost: Result<never> = {
  ok: false,
  error: { code: 'HOST_GONE', message: 'Lost the connection to the station. It reconnects by itself; if it does not, reload the page.' },
};

/**
 * The StationApi over the browser host's WebSocket (same interface as the
 * Electron preload's `window.api`). Calls made while disconnected wait for
 * the reconnect up to `timeoutMs`.
 */
export function createWebSocketApi(wsUrl: string, options: { timeoutMs?: number; onConnection?: (up: boolean) => void } = {}): StationApi {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const queue: string[] = [];
  let nextId = 1;
  let socket: WebSocket;
  let retryMs = 250;

  const connect = (): void => {
    socket = new WebSocket(wsUrl);
    socket.onopen = () => {
      retryMs = 250;
      options.onConnection?.(true);
      while (queue.length > 0) socket.send(queue.shift()!);
    };
    socket.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data)) as { id?: number | null; result?: Result<unknown>; event?: string; payload?: unknown };
      if (msg.event !== undefined) {
        for (const l of listeners.get(msg.event) ?? []) l(msg.payload);
        return;
      }
      if (typeof msg.id === 'number' && msg.result !== undefined) {
        pending.get(msg.id)?.resolve(msg.result);
        pending.delete(msg.id);
      }
    };
    socket.onclose = () => {
      options.onConnection?.(false);
      // replies to calls in flight are lost with the socket: their outcome is unknown, say so
      for (const p of pending.values()) p.resolve(lost);
      pending.clear();
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  };
  connect();

  const call = (channel: string, payload: unknown): Promise<Result<unknown>> =>
    new Promise((resolve) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve({
          ok: false,
          error: { code: 'TIMEOUT', message: 'The station did not answer in time. Try again; if it keeps happening, restart the station.' },
        });
      }, timeoutMs);
      pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
      const text = JSON.stringify({ id, channel, payload });
      if (socket.readyState === WebSocket.OPEN) socket.send(text);
      else queue.push(text);
    });

  // Names come from the contract's types: group.method is a call, onX is an event.
  return new Proxy(
    {},
    {
      get(_t, group: string) {
        if (/^on[A-Z]/.test(group)) {
          return (listener: (payload: unknown) => void) => {
            const set = listeners.get(group) ?? new Set();
            set.add(listener);
            listeners.set(group, set);
            return () => {
              set.delete(listener);
            };
          };
        }
        return new Proxy({}, { get: (_g, method: string) => (input?: unknown) => call(`${group}.${method}`, input) });
      },
    },
  ) as StationApi;
}

/** `window.api` in Electron; else the browser host's WebSocket, whose secret comes in the page URL. */
export function createApiClient(onConnection?: (up: boolean) => void): StationApi {
  if (window.api !== undefined) return window.api;
  const params = new URLSearchParams(window.location.search);
  const key = params.get('k') ?? sessionStorage.getItem('station-key') ?? '';
  sessionStorage.setItem('station-key', key);
  const ws = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/api?k=${encodeURIComponent(key)}`;
  return createWebSocketApi(ws, onConnection ? { onConnection } : {});
}
