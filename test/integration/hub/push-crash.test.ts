// A hub process killed with SIGKILL while stations push (group commits in flight): after a restart every push it
// acknowledged is on the hub exactly once, every push it never answered is there whole or not at all, and sending
// everything again (same idempotency keys) applies only what was never committed and doubles nothing.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../hub/store';
import { burnItems, enrollOnStore, pullAll, PushLedger, tallyOnHub, type FleetStation } from '../../support/hub-fleet';
import { seedFactory, seedGroup, startHubProcess, stopAllHubProcesses, type HubProcess } from '../../support/hub-process';
import { seededRandom, seedFromEnv } from '../../support/seeded-random';
import { targets, testDb, type TestDb } from './harness';

const STATIONS = 24;
const LICENSES = 40;
const BATCH = 4;

describe.each(targets())('a hub killed in the middle of group commits, on %s', (target) => {
  let tdb: TestDb | undefined;
  let store: Store | undefined;
  afterEach(async () => {
    await stopAllHubProcesses();
    await store?.close();
    await tdb?.drop();
  });

  it('loses nothing it acknowledged, keeps each push whole or not at all, and a full re-send doubles nothing', async () => {
    const random = seededRandom(seedFromEnv('PUSH_CRASH_SEED', `push crash on ${target}`));
    tdb = await testDb(target);
    // A window of a few ms, so that groups hold several pushes when the kill comes.
    const masterKey = randomBytes(32).toString('hex');
    const hub: HubProcess = await startHubProcess(tdb.db, {
      ...(tdb.schema ? { schema: tdb.schema } : {}),
      env: { HUB_MASTER_KEY: masterKey, HUB_PUSH_WINDOW_MS: '5' },
    });
    store = await openStore({ db: tdb.db, ...(tdb.schema ? { schema: tdb.schema } : {}), migrate: false });
    const fx = await seedFactory(hub, STATIONS);
    for (const id of fx.stationIds) await seedGroup(hub, fx, { purchased: LICENSES, stationId: id });
    const stations = await enrollOnStore(store, fx.codes, masterKey);
    const held = new Map<FleetStation, string[]>();
    for (const s of stations) held.set(s, await pullAll(hub.url, s.token));

    // Every station pushes its licenses in batches, one request at a time; the kill comes after a seeded number of
    // acknowledged pushes, from inside the answer of one of them, while the others are in flight.
    const ledger = new PushLedger();
    const total = STATIONS * (LICENSES / BATCH);
    const killAfter = 10 + Math.floor(random() * (total / 2));
    let acknowledged = 0;
    let inFlight = 0;
    let inFlightAtKill = -1;
    let killed: Promise<void> | null = null;
    await Promise.all(
      stations.map(async (s) => {
        const uuids = held.get(s)!;
        for (let i = 0; i < uuids.length && !killed; i += BATCH) {
          inFlight++;
          const answer = await ledger.push(hub.url, s, burnItems(uuids.slice(i, i + BATCH)));
          inFlight--;
          if (answer === 'applied' && ++acknowledged === killAfter) {
            inFlightAtKill = inFlight;
            killed = hub.stop(); // SIGKILL
          }
        }
      }),
    );
    await killed;
    console.log(`[push crash on ${target}] killed after ${killAfter} of ${total} pushes acknowledged, ${inFlightAtKill} in flight`);
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(ledger.pushes.some((p) => p.answer === 'unknown')).toBe(true);

    await hub.start();
    const afterCrash = await tallyOnHub(store, ledger);
    console.log(`[push crash on ${target}] after restart: ${JSON.stringify(afterCrash)}`);
    expect(afterCrash).toMatchObject({ lost: 0, doubled: 0, partial: 0, strays: 0 });
    expect(afterCrash.onHub).toBeGreaterThanOrEqual(afterCrash.acknowledged);
    // One audit entry per push the hub committed (acknowledged, or committed just before the kill), and the chain
    // survived the kill.
    const entries = async () =>
      (await store!.db.selectFrom('audit_log').select('seq').where('kind', '=', 'push').where('outcome', '=', 'ok').execute()).length;
    const committed =
      ledger.pushes.filter((p) => p.answer === 'applied').length +
      (await countCommitted(
        store,
        ledger.pushes.filter((p) => p.answer === 'unknown'),
      ));
    expect(await entries()).toBe(committed);
    expect(await hub.admin('GET', '/v1/audit/verify')).toMatchObject({ ok: true });

    // Everything sent, sent again at once: what was committed answers replayed, the rest applies now, once.
    const sent = [...ledger.pushes];
    await Promise.all(sent.map((p) => ledger.push(hub.url, p.station, p.items)));
    const resent = await tallyOnHub(store, ledger);
    console.log(`[push crash on ${target}] after re-sending all ${sent.length} pushes: ${JSON.stringify(resent)}`);
    expect(resent).toMatchObject({ lost: 0, doubled: 0, partial: 0, strays: 0, acknowledged: resent.sent, onHub: resent.sent });
    // And once more: nothing new (each re-sent push has its own audit entry, as any push).
    await Promise.all(sent.map((p) => ledger.push(hub.url, p.station, p.items, false)));
    expect(await tallyOnHub(store, ledger)).toEqual(resent);
    expect(await entries()).toBe(committed + 2 * sent.length);
    expect(await hub.admin('GET', '/v1/audit/verify')).toMatchObject({ ok: true });
  }, 240_000);
});

/** How many of these pushes the hub holds (whole: the tally checked that none is partial). */
async function countCommitted(store: Store, pushes: readonly { station: FleetStation; items: { key: string }[] }[]): Promise<number> {
  let n = 0;
  for (const p of pushes) {
    const row = await store.db
      .selectFrom('push_items')
      .select('idem_key')
      .where('station_id', '=', p.station.id)
      .where('idem_key', '=', p.items[0]!.key)
      .executeTakeFirst();
    if (row) n++;
  }
  return n;
}
