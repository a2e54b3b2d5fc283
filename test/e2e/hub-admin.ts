import { errorBodySchema, hubRoutes, type HubRouteName, type RouteBody, type RouteQuery, type RouteReply } from '../../common/hub-api';
import type { RunningHub } from '../../hub/server';
import { operatorKeys, roleFor, type OperatorKeys } from '../support/hub-accounts';

/**
 * The hub operators' side of the e2e tests: typed calls to the hub's account
 * API with an API key of the role each route is for (approve and pay as the
 * platform, the rest as the owner), made beside the station as hub operators
 * would make them. The station itself never holds an account's key.
 */
export function hubAdmin(hub: Pick<RunningHub, 'url' | 'deps'>) {
  let keys: Promise<OperatorKeys> | undefined;
  const call = async <N extends HubRouteName>(
    name: N,
    parts: { params?: Record<string, string>; body?: unknown; query?: Record<string, string> } = {},
  ): Promise<RouteReply<N>> => {
    const route = hubRoutes[name];
    if (route.auth !== 'account') throw new Error(`${name} is not an account route`);
    keys ??= operatorKeys(hub.deps);
    const key = (await keys)[roleFor(route)];
    let path: string = route.url;
    for (const [k, v] of Object.entries(parts.params ?? {})) path = path.replace(`:${k}`, encodeURIComponent(v));
    const query = new URLSearchParams(parts.query ?? {}).toString();
    const res = await fetch(`${hub.url}${path}${query ? `?${query}` : ''}`, {
      method: route.method,
      headers: { authorization: `Bearer ${key}`, ...(route.method === 'POST' ? { 'content-type': 'application/json' } : {}) },
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
    rejectUpdate: (id: string, reason: string) => call('rejectUpdate', { params: { id }, body: { reason } }),
    /** A one-time code to enroll another station of the factory. */
    createEnrollmentCode: (stationId: string, ttlMinutes = 60) =>
      call('createEnrollmentCode', { params: { id: stationId }, body: { ttlMinutes } }),
  };
}
