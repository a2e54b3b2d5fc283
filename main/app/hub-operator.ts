import { AppError } from '../../common/errors';
import { errorBodySchema, hubRoutes, type HubRouteName, type RouteBody, type RouteQuery, type RouteReply } from '../../common/hub-api';

/**
 * The hub operations a supervisor starts from the station that the station's
 * own token cannot do (change product, recall, history, third-party
 * resources, download): typed calls over the hub's route table with the hub
 * operator's token. Split and reassign do not come here: they go through
 * main/sync, which works offline.
 */
export class HubOperator {
  readonly #baseUrl: string;
  readonly #token: string;
  readonly #timeoutMs: number;

  constructor(options: { baseUrl: string; token: string; timeoutMs?: number }) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
  }

  listProducts = (): Promise<RouteReply<'listProducts'>> => this.#call('listProducts', {});
  listUpdates = (id: string): Promise<RouteReply<'listUpdates'>> => this.#call('listUpdates', { params: { id } });
  requestUpdate = (id: string, body: RouteBody<'requestUpdate'>): Promise<RouteReply<'requestUpdate'>> => this.#call('requestUpdate', { params: { id }, body });
  recallUpdate = (id: string): Promise<RouteReply<'recallUpdate'>> => this.#call('recallUpdate', { params: { id } });
  history = (id: string): Promise<RouteReply<'history'>> => this.#call('history', { params: { id } });
  getCredential = (id: string): Promise<RouteReply<'getCredential'>> => this.#call('getCredential', { params: { id } });
  startThirdPartyJob = (id: string, body: RouteBody<'startThirdPartyJob'>): Promise<RouteReply<'startThirdPartyJob'>> => this.#call('startThirdPartyJob', { params: { id }, body });
  getJob = (id: string): Promise<RouteReply<'getJob'>> => this.#call('getJob', { params: { id } });
  sendDownloadCode = (id: string, body: RouteBody<'sendDownloadCode'>): Promise<RouteReply<'sendDownloadCode'>> => this.#call('sendDownloadCode', { params: { id }, body });
  download = (id: string, body: RouteBody<'download'>): Promise<RouteReply<'download'>> => this.#call('download', { params: { id }, body });
  stationReport = (): Promise<RouteReply<'stationReport'>> => this.#call('stationReport', {});
  credentialReport = (): Promise<RouteReply<'credentialReport'>> => this.#call('credentialReport', {});
  listCredentials = (query: RouteQuery<'listCredentials'> = {}): Promise<RouteReply<'listCredentials'>> => this.#call('listCredentials', { query });

  async #call<N extends HubRouteName>(name: N, parts: { params?: Record<string, string>; body?: unknown; query?: Record<string, unknown> }): Promise<RouteReply<N>> {
    const route = hubRoutes[name];
    let path: string = route.url;
    for (const [k, v] of Object.entries(parts.params ?? {})) path = path.replace(`:${k}`, encodeURIComponent(v));
    const query = new URLSearchParams(Object.entries(parts.query ?? {}).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])).toString();
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${this.#token}` };
    // Fastify refuses a POST with a JSON content type and no body: send {} when the route takes none.
    const body = route.method === 'POST' ? JSON.stringify(parts.body ?? {}) : undefined;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    let json: unknown;
    try {
      res = await fetch(`${this.#baseUrl}${path}${query ? `?${query}` : ''}`, { method: route.method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(this.#timeoutMs) });
      json = JSON.parse(await res.text());
    } catch (cause) {
      throw new AppError('HUB_UNREACHABLE', `The hub at ${this.#baseUrl} cannot be reached: this needs the hub online. Check the network, then try again.`, undefined, { cause });
    }
    if (res.ok) {
      const parsed = route.reply.safeParse(json);
      if (!parsed.success) throw new AppError('HUB_BAD_REPLY', `The hub answered "${name}" in a form this station does not understand; update the station or the hub.`);
      return parsed.data as RouteReply<N>;
    }
    const err = errorBodySchema.safeParse(json);
    if (!err.success) throw new AppError('HUB_UNREACHABLE', `The hub at ${this.#baseUrl} answered HTTP ${res.status}: try again later.`);
    if (res.status === 401 || res.status === 403) throw new AppError('HUB_OPERATOR_REFUSED', 'The hub refused the hub operator access this station was given: ask the hub operator for a new token.');
    throw new AppError(err.data.error.code, err.data.error.message);
  }
}
