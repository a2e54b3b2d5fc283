/**
 * The fleet at a glance (the hub console's fleet view): each station's last sync, the outbox and suspects it
 * last reported, its burns in the last hour; each group's licenses left, its burn rate over the last hour and,
 * at that rate, when it runs dry (flagged when that is within `runsDrySoonMs`).
 */
import { sql } from 'kysely';
import type { Fleet, FleetGroup, FleetStation } from '../../common/console-api';
import type { HubDeps } from './context';
import { countLicenses, isoIn, usableStates } from './util';

const hourMs = 3_600_000;

export async function fleet(deps: HubDeps, factoryId: string | null): Promise<Fleet> {
  const db = deps.store.db;
  const now = deps.clock.now();
  const since = isoIn(deps, -hourMs);
  let st = db
    .selectFrom('stations as s')
    .innerJoin('lines as l', 'l.id', 's.line_id')
    .innerJoin('factories as f', 'f.id', 's.factory_id')
    .select(['s.id', 's.name', 's.last_seen_at', 's.outbox_length', 's.suspect_count', 'l.name as line', 'f.name as factory'])
    .where('s.revoked_at', 'is', null);
  if (factoryId !== null) st = st.where('s.factory_id', '=', factoryId);
  const stationRows = await st.orderBy('f.name').orderBy('l.name').orderBy('s.name').execute();

  let burns = db
    .selectFrom('licenses')
    .select(['station_id', 'credential_id', sql<number>`count(*)`.as('n')])
    .where('burned_at', '>=', since)
    .where('status', '=', 'burned')
    .groupBy(['station_id', 'credential_id']);
  if (factoryId !== null)
    burns = burns.where('credential_id', 'in', db.selectFrom('credentials').select('id').where('factory_id', '=', factoryId));
  const byStation = new Map<string, number>();
  const byGroup = new Map<string, number>();
  for (const b of await burns.execute()) {
    if (b.station_id !== null) byStation.set(b.station_id, (byStation.get(b.station_id) ?? 0) + Number(b.n));
    byGroup.set(b.credential_id, (byGroup.get(b.credential_id) ?? 0) + Number(b.n));
  }
  const stations: FleetStation[] = stationRows.map((s) => ({
    id: s.id,
    name: s.name,
    factory: s.factory,
    line: s.line,
    lastSyncAt: s.last_seen_at,
    outbox: s.outbox_length ?? 0,
    burnsLastHour: byStation.get(s.id) ?? 0,
    suspects: s.suspect_count ?? 0,
  }));

  // The groups at work: usable and assigned to a factory.
  let gq = db
    .selectFrom('credentials as c')
    .leftJoin('products as p', 'p.pid', 'c.pid')
    .select(['c.id', 'c.name', 'c.pid', 'p.name as product_name'])
    .where('c.factory_id', 'is not', null)
    .where('c.state', 'in', usableStates);
  if (factoryId !== null) gq = gq.where('c.factory_id', '=', factoryId);
  const groupRows = await gq.execute();
  const counts = await countLicenses(
    db,
    groupRows.map((g) => g.id),
  );
  const soon = deps.config.runsDrySoonMs;
  const groups: FleetGroup[] = groupRows.map((g) => {
    const c = counts.get(g.id)!;
    const left = c.unused + c.leased;
    const rate = byGroup.get(g.id) ?? 0;
    const dryInMs = rate > 0 ? (left / rate) * hourMs : null;
    return {
      credentialId: g.id,
      name: g.name ?? g.product_name ?? g.pid,
      pid: g.pid,
      left,
      burnRatePerHour: rate,
      runsDryAt: dryInMs === null ? null : new Date(now + dryInMs).toISOString(),
      runsDrySoon: dryInMs !== null && dryInMs <= soon,
    };
  });
  groups.sort((a, b) => (a.runsDryAt ?? '\uffff').localeCompare(b.runsDryAt ?? '\uffff') || a.name.localeCompare(b.name));
  return { stations, groups };
}
