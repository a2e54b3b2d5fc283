import { errorBodySchema, hubRoutes, type HubRouteName, type RouteBody, type RouteQuery, type RouteReply } from '../../common/hub-api';
import type { RunningHub } from '../../hub/server';

/**
 * The hub operator's side of the e2e tests: typed calls to the hub's admin API
 * with the admin token (approve, pay, reports), made beside the station as a
 * hub operator would make them. The station itself never holds this token.
 */
export function hubAdmin(hub: Pick<RunningHub, 'url' | 'adminToken'>) {
  const call = async <N extends HubRouteName>(name: N, parts: { params?: Record<string, string>; body?: unknown; query?: Record<string, string> } = {}): Promise<RouteReply<N>> => {
    const route = hubRoutes[name];
    if (route.auth !== 'admin') throw new Error(`${name} is not an admin route`);
    let path: string = route.url;
    for (const [k, v] of Object.entries(parts.params ?? {})) path = path.replace(`:${k}`, encodeURIComponent(v));
    const query = new URLSearchParams(parts.query ?? {}).toString();
    const res = await fetch(`${hub.url}${path}${query ? `?${query}` : ''}`, {
      method: route.method,
      headers: { authorization: `Bearer ${hub.adminToken}`, ...(route.method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      ...(route.method === 'POST' ? { body: JSON.stringify(parts.body ?? {}) } : {}),
    });
    const json: unknown = await res.json();
    if (!res.ok) throw Object.assign(new Error(`hub ${name}: HTTP ${res.status}`), { code: errorBodySchema.parse(json).error.code });
    return route.reply.parse(json) as RouteReply<N>;
  };
  return {
    credentialReport: () => call('credentialReport'),
    stationReport: () => call('stationReport'),
    listCredentials: (query: RouteQuery<'listCredentials'> = {}) => call('listCredentials', { query: query as Record<string, string> }),
    requestUpdate: (id: string, body: RouteBody<'requestUpdate'>) => call('requestUpdate', { params: { id }, body }),
    listUpdates: (id: string) => call('listUpdates', { params: { id } }),
    approveUpdate: (id: string) => call('approveUpdate', { params: { id } }),
    payUpdate: (id: string, paymentReference: string) => call('payUpdate', { params: { id }, body: { paymentReference } }),
    /** A one-time code to enroll another station of the factory. */
    createEnrollmentCode: (stationId: string, ttlMinutes = 60) => call('createEnrollmentCode', { params: { id: stationId }, body: { ttlMinutes } }),
  };
}
