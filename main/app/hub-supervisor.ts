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

/** Where the hub is and the station's own token (sealed in the vault by enrollment); null before enrollment. */
export type HubAccess = () => { baseUrl: string; token: string } | null;

/**
 * The hub operations a supervisor starts from the station (change product,
 * recall, update history, third-party resources, download): typed calls over
 * the hub's station supervisor routes with the station's own token, so the
 * hub lets this station touch only its own groups. Approve and pay are the hub
 * operator's. Split and reassign do not come here: they go through main/sync,
 * which works offline.
 */
export class HubSupervisor {
  readonly #access: HubAccess;
  readonly #timeoutMs: number;
  readonly #supervisor: string | null;

  constructor(options: { access: HubAccess; timeoutMs?: number; supervisor?: string | null }) {
    this.#access = options.access;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#supervisor = options.supervisor ?? null;
  }

  /** The same calls on behalf of a supervisor: each names them in `x-station-supervisor`, so the hub's audit does. */
  as(supervisor: string | null): HubSupervisor {
    return new HubSupervisor({ access: this.#access, timeoutMs: this.#timeoutMs, supervisor });
  }

  products = (): Promise<RouteReply<'stationProducts'>> => this.#call('stationProducts', {});
  listUpdates = (id: string): Promise<RouteReply<'stationListUpdates'>> => this.#call('stationListUpdates', { params: { id } });
  requestUpdate = (id: string, body: RouteBody<'stationRequestUpdate'>): Promise<RouteReply<'stationRequestUpdate'>> =>
    this.#call('stationRequestUpdate', { params: { id }, body });
  recallUpdate = (id: string): Promise<RouteReply<'stationRecallUpdate'>> => this.#call('stationRecallUpdate', { params: { id } });
  history = (id: string): Promise<RouteReply<'stationHistory'>> => this.#call('stationHistory', { params: { id } });
  startThirdPartyJob = (id: string, body: RouteBody<'stationStartThirdPartyJob'>): Promise<RouteReply<'stationStartThirdPartyJob'>> =>
    this.#call('stationStartThirdPartyJob', { params: { id }, body });
  getJob = (id: string): Promise<RouteReply<'stationGetJob'>> => this.#call('stationGetJob', { params: { id } });
  notices = (): Promise<RouteReply<'stationNotices'>> => this.#call('stationNotices', {});
  /** The hub sends the code to the contact its operator set for this station; the answer says where, never the code. */
  sendDownloadCode = (id: string): Promise<RouteReply<'stationSendDownloadCode'>> =>
    this.#call('stationSendDownloadCode', { params: { id } });
  downloadPreview = (id: string): Promise<RouteReply<'stationDownloadPreview'>> => this.#call('stationDownloadPreview', { params: { id } });
  download = (id: string, body: RouteBody<'stationDownload'>): Promise<RouteReply<'stationDownload'>> =>
    this.#call('stationDownload', { params: { id }, body });

  async #call<N extends HubRouteName>(name: N, parts: { params?: Record<string, string>; body?: unknown }): Promise<RouteReply<N>> {
    const access = this.#access();
    if (access === null)
      throw new AppError('NOT_ENROLLED', 'This station is not enrolled with a hub: set it up with the hub address and an enrollment code.');
    const route = hubRoutes[name];
    let path: string = route.url;
    for (const [k, v] of Object.entries(parts.params ?? {})) path = path.replace(`:${k}`, encodeURIComponent(v));
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${access.token}` };
    if (this.#supervisor !== null) headers[supervisorHeader] = encodeSupervisorHeader(this.#supervisor);
    // Fastify refuses a POST with a JSON content type and no body: send {} when the route takes none.
    const body = route.method === 'POST' ? JSON.stringify(parts.body ?? {}) : undefined;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    let json: unknown;
    try {
      res = await fetch(`${access.baseUrl}${path}`, {
        method: route.method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      json = JSON.parse(await res.text());
    } catch (cause) {
      throw new AppError(
        'HUB_UNREACHABLE',
        `The hub at ${access.baseUrl} cannot be reached: this needs the hub online. Check the network, then try again.`,
        undefined,
        { cause },
      );
    }
    if (res.ok) {
      const parsed = route.reply.safeParse(json);
      if (!parsed.success)
        throw new AppError(
          'HUB_BAD_REPLY',
          `The hub answered "${name}" in a form this station does not understand; update the station or the hub.`,
        );
      return parsed.data as RouteReply<N>;
    }
    const err = errorBodySchema.safeParse(json);
    if (res.status >= 500 || !err.success)
      throw new AppError('HUB_UNREACHABLE', `The hub at ${access.baseUrl} answered HTTP ${res.status}: try again later.`);
    // the hub's code and words as they are: NOT_YOUR_GROUP, UNAUTHORIZED (revoked: enroll again), the lifecycle's refusals
    throw new AppError(err.data.error.code, err.data.error.message);
  }
}
