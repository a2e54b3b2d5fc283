/**
 * The hub's HTTP API as the console calls it: same origin, the session cookie
 * (httpOnly, the browser sends it) and the session's CSRF token in
 * `x-csrf-token` on every POST. Calls are named by the route table of
 * common/hub-api, so paths and types come from one place. Every refusal is a
 * HubError with the hub's stable code and plain message.
 */
import { csrfHeader, hubRoutes, type HubRouteName, type RouteBody, type RouteQuery, type RouteReply } from '../common/hub-api';
import type { ErrorInfo } from '../common/errors';

export class HubError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HubError';
  }
  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message };
  }
}

/** Codes that mean the session is gone (expired, ended elsewhere, or never was). */
export const sessionLostCodes: readonly string[] = ['UNAUTHORIZED', 'SESSION_EXPIRED', 'SESSION_REQUIRED'];

export type Query = Record<string, string | number | boolean | undefined | null>;
export interface CallParts<N extends HubRouteName> {
  id?: string;
  query?: RouteQuery<N> | Query;
  body?: RouteBody<N>;
}

export interface HubClient {
  call<N extends HubRouteName>(name: N, parts?: CallParts<N>): Promise<RouteReply<N>>;
  setCsrfToken(token: string | null): void;
}

export const queryString = (q: Query | undefined): string => {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
};

export function createHubClient(
  options: { base?: string; onSessionLost?: (e: HubError) => void; fetchImpl?: typeof fetch } = {},
): HubClient {
  const base = options.base ?? '';
  const doFetch = options.fetchImpl ?? ((input, init) => fetch(input, init));
  let csrf: string | null = null;

  const send = async (method: 'GET' | 'POST', path: string, body: unknown): Promise<Response> => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (method === 'POST') {
      headers['content-type'] = 'application/json';
      if (csrf) headers[csrfHeader] = csrf;
    }
    let res: Response;
    try {
      res = await doFetch(base + path, {
        method,
        headers,
        credentials: 'same-origin',
        ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
      });
    } catch {
      throw new HubError('HUB_UNREACHABLE', 'The hub does not answer: check the network, then try again.', 0);
    }
    if (res.ok) return res;
    const parsed = (await res.json().catch(() => null)) as {
      error?: { code?: unknown; message?: unknown; details?: Record<string, unknown> };
    } | null;
    const code = typeof parsed?.error?.code === 'string' ? parsed.error.code : `HTTP_${res.status}`;
    const message = typeof parsed?.error?.message === 'string' ? parsed.error.message : `The hub answered ${res.status}.`;
    const err = new HubError(code, message, res.status, parsed?.error?.details);
    if (res.status === 401 && sessionLostCodes.includes(code) && !path.startsWith('/v1/auth/login')) options.onSessionLost?.(err);
    throw err;
  };

  return {
    async call(name, parts = {}) {
      const route = hubRoutes[name];
      const path = route.url.replace(':id', encodeURIComponent(parts.id ?? '')) + queryString(parts.query as Query | undefined);
      const res = await send(route.method, path, parts.body);
      // CSV answers (the audit export, resource files) are text; everything else JSON
      return ('contentType' in route ? await res.text() : await res.json()) as never;
    },
    setCsrfToken(token) {
      csrf = token;
    },
  };
}
