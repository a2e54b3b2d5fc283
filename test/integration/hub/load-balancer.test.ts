// Two hub processes on one PostgreSQL behind a round-robin TCP load balancer (test/support/tcp-proxy.ts): stations
// enroll, pull from one line's shared group and push what they pulled, all at once through the balancer, and some
// pushes are also delivered twice at the same moment, once to each process. Nothing is lost, nothing doubled, and
// no license is leased to two stations.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnrollResponse, PullResponse } from '../../../common/hub-api';
import { openStore, type Store } from '../../../hub/store';
import { burnItems, pullPage, PushLedger, stationPost, tallyOnHub, type FleetStation } from '../../support/hub-fleet';
import { seedFactory, seedGroup, startHubProcess, stopAllHubProcesses, type HubProcess } from '../../support/hub-process';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy';
import { pgUrl, testDb, type TestDb } from './harness';

const STATIONS = 8;
const LICENSES = 1200;

const describePg = pgUrl ? describe : describe.skip;
if (!pgUrl)
  console.log('[hub tests] two hub processes behind a load balancer skipped: HUB_TEST_PG_URL is not set (source scripts/ci-postgres.sh).');

describePg('two hub processes on one PostgreSQL behind a round-robin load balancer', () => {
  let tdb: TestDb;
  let store: Store;
  let a: HubProcess;
  let b: HubProcess;
  let lb: TcpProxy;

  beforeAll(async () => {
    tdb = await testDb('postgres');
    // Configured the same: the store and the master key (see docs/hub.md, "Several hub processes").
    const env = { HUB_MASTER_KEY: randomBytes(32).toString('hex') };
    a = await startHubProcess(tdb.db, { schema: tdb.schema!, env });
    b = await startHubProcess(tdb.db, { schema: tdb.schema!, env });
    lb = await startTcpProxy([a.port, b.port]);
    store = await openStore({ db: tdb.db, schema: tdb.schema!, migrate: false });
  }, 120_000);

  afterAll(async () => {
    await lb?.close();
    await stopAllHubProcesses();
    await store?.close();
    await tdb?.drop();
  });

  it('stations pull and push through both at once: 0 lost, 0 doubled, no license leased twice', async () => {
    const fx = await seedFactory(a, STATIONS);
    const group = await seedGroup(b, fx, { purchased: LICENSES, stationId: null }); // shared on the line: the stations race for it
    const stations: FleetStation[] = await Promise.all(
      fx.codes.map(async (code) => {
        const r = await stationPost<EnrollResponse>(lb.url, '/v1/station/enroll', { code }, '');
        expect(r.status).toBe(200);
        return { id: r.body.stationId, token: r.body.token };
      }),
    );

    const ledger = new PushLedger();
    const pulled = new Map<string, string[]>();
    let pushes = 0;
    await Promise.all(
      stations.map(async (s) => {
        const mine: string[] = [];
        pulled.set(s.id, mine);
        let cursor: string | null = null;
        for (;;) {
          const page: PullResponse = await pullPage(lb.url, s.token, cursor, 30);
          cursor = page.cursor;
          const uuids = page.licenses.map((l) => l.uuid);
          mine.push(...uuids);
          if (uuids.length === 0 && !page.hasMore) return;
          for (let i = 0; i < uuids.length; i += 6) {
            const items = burnItems(uuids.slice(i, i + 6));
            // Every fourth push is delivered twice at the same moment, once straight to each process (a retry that
            // a balancer sent elsewhere): one of them applies it, the other answers the stored outcome.
            if (pushes++ % 4 === 0) await Promise.all([ledger.push(a.url, s, items), ledger.push(b.url, s, items)]);
            else await ledger.push(lb.url, s, items);
          }
        }
      }),
    );

    const all = [...pulled.values()].flat();
    console.log(
      `[load balancer] ${ledger.pushes.length} pushes, ${all.length} licenses pulled by ${STATIONS} stations, connections per hub process ${JSON.stringify(lb.stats.perTarget)}`,
    );
    expect(Object.keys(lb.stats.perTarget).map(Number).sort()).toEqual([a.port, b.port].sort());
    for (const n of Object.values(lb.stats.perTarget)) expect(n).toBeGreaterThan(1);
    // Every license of the group leased once, to the station that pulled it.
    expect(all).toHaveLength(LICENSES);
    expect(new Set(all).size).toBe(LICENSES);
    expect([...pulled.values()].filter((u) => u.length > 0).length).toBeGreaterThan(1); // they really raced
    const owner = new Map(
      (await store.db.selectFrom('licenses').select(['uuid', 'station_id']).where('credential_id', '=', group.id).execute()).map((r) => [
        r.uuid,
        r.station_id,
      ]),
    );
    for (const [id, uuids] of pulled) for (const u of uuids) expect(owner.get(u)).toBe(id);

    const tally = await tallyOnHub(store, ledger);
    console.log(`[load balancer] on the hub: ${JSON.stringify(tally)}`);
    expect(tally).toMatchObject({ sent: LICENSES, acknowledged: LICENSES, onHub: LICENSES, lost: 0, doubled: 0, partial: 0, strays: 0 });
    const counts = (await a.admin('GET', `/v1/admin/credentials/${group.id}`)).counts;
    expect(counts).toMatchObject({ burned: LICENSES, unused: 0 });

    // Everything sent again through the balancer: all replayed, nothing new.
    await Promise.all(ledger.pushes.map((p) => ledger.push(lb.url, p.station, p.items, false)));
    expect(await tallyOnHub(store, ledger)).toEqual(tally);
    expect(await b.admin('GET', '/v1/audit/verify')).toMatchObject({ ok: true });
  }, 240_000);
});
