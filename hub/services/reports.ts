import { sql } from 'kysely';
import type { CredentialReport, StationReport } from '../../common/hub-api';
import type { HubDeps } from './context';
import { countLicenses } from './util';

/** `factoryId`: only that factory's credentials / stations (a factory account's view). */
export async function credentialReport(deps: HubDeps, factoryId: string | null = null): Promise<CredentialReport> {
  let q = deps.store.db.selectFrom('credentials').select(['id', 'pid', 'owner', 'state', 'purchased_count', 'free_count']);
  if (factoryId !== null) q = q.where('factory_id', '=', factoryId);
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  const counts = await countLicenses(
    deps.store.db,
    rows.map((r) => r.id),
  );
  return {
    rows: rows.map((r) => ({
      credentialId: r.id,
      pid: r.pid,
      owner: r.owner as 'mine' | 'customer',
      state: r.state as CredentialReport['rows'][number]['state'],
      purchased: r.purchased_count,
      free: r.free_count,
      counts: counts.get(r.id)!,
    })),
  };
}

export async function stationReport(deps: HubDeps, factoryId: string | null = null): Promise<StationReport> {
  const db = deps.store.db;
  let q = db.selectFrom('stations').selectAll();
  if (factoryId !== null) q = q.where('factory_id', '=', factoryId);
  const stations = await q.orderBy('created_at').orderBy('id').execute();
  const tallies = await db
    .selectFrom('licenses')
    .select(['station_id', 'status', sql<number>`count(*)`.as('n')])
    .where('station_id', 'is not', null)
    .groupBy(['station_id', 'status'])
    .execute();
  return {
    rows: stations.map((s) => {
      const of = (status: string): number => Number(tallies.find((t) => t.station_id === s.id && t.status === status)?.n ?? 0);
      return {
        stationId: s.id,
        name: s.name,
        lineId: s.line_id,
        enrolled: s.token_hash !== null,
        revoked: s.revoked_at !== null,
        leased: of('unused'),
        burned: of('burned'),
        spoiled: of('spoiled'),
        lastSeenAt: s.last_seen_at,
      };
    }),
  };
}
