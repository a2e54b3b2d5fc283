import { AppError } from '../../common/errors';
import {
  encodeSupervisorHeader,
  errorBodySchema,
  hubRoutes,
  supervisorHeader,
  type HubRouteName,
  type RouteBody,
  type RouteReply,
} from '../../common/hub-api';

export interface HubClientOptions {
  baseUrl: string;
  token?: string | null;
  /** Per request; a hub that does not answer in time counts as unreachable. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** The code of every failure that means "no answer from the hub": the station stays offline and retries. */
export const HUB_UNREACHABLE = 'HUB_UNREACHABLE';

export const isUnreachable = (e: unknown): boolean => e instanceof AppError && e.code === HUB_UNREACHABLE;

/** Typed calls to the hub's station routes, built from the shared route table. */
export class HubClient {
  readonly baseUrl: string;
  #token: string | null;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: HubClientOptions) {
    this.baseUrl = normaliseHubUrl(options.baseUrl);
    this.#token = options.token ?? null;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#fetch = options.fetch ?? fetch;
  }

  set token(token: string | null) {
    this.#token = token;
  }

  health(): Promise<RouteReply<'health'>> {
    return this.call('health', undefined);
  }

  enroll(body: RouteBody<'enroll'>): Promise<RouteReply<'enroll'>> {
    return this.call('enroll', body);
  }

  pull(body: RouteBody<'pull'>): Promise<RouteReply<'pull'>> {
    return this.call('pull', body);
  }

  push(body: RouteBody<'push'>): Promise<RouteReply<'push'>> {
    return this.call('push', body);
  }

  /** One page of the station's licenses the hub holds as used up; the first page clears the head the hub recorded. `supervisor` is named in the hub's audit. */
  reconcile(body: RouteBody<'stationReconcile'>, supervisor: string): Promise<RouteReply<'stationReconcile'>> {
    return this.call('stationReconcile', body, { [supervisorHeader]: encodeSupervisorHeader(supervisor) });
  }

  async call<N extends HubRouteName>(
    name: N,
    body: N extends 'health' | 'stationSelf' ? undefined : RouteBody<N>,
    extraHeaders: Record<string, string> = {},
  ): Promise<RouteReply<N>> {
    const route = hubRoutes[name];
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
    if (route.auth === 'station') {
      if (this.#token === null)
        throw new AppError('NOT_ENROLLED', 'This station is not enrolled with a hub: enroll it with the hub address and a one-time code.');
      headers.authorization = `Bearer ${this.#token}`;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    let text: string;
    try {
      res = await this.#fetch(this.baseUrl + route.url, {
        method: route.method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      text = await res.text();
    } catch (cause) {
      throw unreachable(
        this.baseUrl,
        cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause),
        cause,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      // A cut connection or a proxy's error page: no answer from the hub itself.
      throw unreachable(this.baseUrl, `answer was not JSON (HTTP ${res.status})`, cause);
    }
    if (res.ok) {
      const parsed = route.reply.safeParse(json);
      if (!parsed.success)
        throw new AppError(
          'HUB_BAD_REPLY',
          `The hub at ${this.baseUrl} answered ${name} in a form this station does not understand; update the station or the hub.`,
          { route: name },
        );
      return parsed.data as RouteReply<N>;
    }
    const err = errorBodySchema.safeParse(json);
    if (res.status >= 500 || !err.success)
      throw unreachable(this.baseUrl, `HTTP ${res.status}${err.success ? `: ${err.data.error.message}` : ''}`);
    throw new AppError(err.data.error.code, err.data.error.message, { ...err.data.error.details, httpStatus: res.status });
  }
}

function unreachable(url: string, why: string, cause?: unknown): AppError {
  return new AppError(
    HUB_UNREACHABLE,
    `The hub at ${url} cannot be reached (${why}); the station keeps working offline and sends everything when the hub is back.`,
    undefined,
    { cause },
  );
}

/** `http(s)://host[:port][/prefix]` without a trailing slash. */
export function normaliseHubUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new AppError('HUB_URL_INVALID', `"${raw}" is not a hub address: write it like http://hub.factory.local:8787.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new AppError('HUB_URL_INVALID', 'The hub address must start with http:// or https://.');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
