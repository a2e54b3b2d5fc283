import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fleet } from '../../../native/sim/fleet';
import type { Station, SlotSnapshot, StationEvent } from '../../../main/station';
import { Operator, newTestStation, tempDir, waitFor } from './fixtures';

let cleanup: (() => void) | undefined;
let fleet: Fleet | undefined;
let station: Station | undefined;

afterEach(async () => {
  await station?.close({ abandon: true }).catch(() => undefined);
  await fleet?.stop();
  cleanup?.();
  station = undefined;
  fleet = undefined;
});

async function setup(modules: number, licenses: number) {
  const tmp = tempDir();
  cleanup = tmp.cleanup;
  fleet = await Fleet.start({ protocol: 'tuya-auc', count: modules, timing: { baudRate: 115200, flashWriteMs: 5 }, options: { resetDelayMs: 300 } });
  const made = await newTestStation(tmp.dir, licenses);
  station = made.station;
  const ports = fleet.portList;
  const events: StationEvent[] = [];
  station.subscribe((e) => events.push(e));
  return { ...made, ports, events, fleet };
}

describe('slots against virtual modules over ptys', () => {
  it('burns modules on three slots in parallel, each module once, each license once', async () => {
    const { station: s, groupId, ports, fleet: f } = await setup(3, 20);
    const slotOf = new Map<string, number>();
    ports.forEach((p, i) => {
      const slot = s.addSlot({ port: p.hostPath, protocol: 'tuya-auc', groupId });
      slotOf.set(slot.id, i);
    });
    const operator = new Operator(f, (slot: SlotSnapshot) => slotOf.get(slot.slotId)!, 50);
    s.subscribe(operator.onEvent);
    s.start();
    await waitFor(() => s.counts(groupId).burned >= 9, '9 burns', 20_000);
    await s.stop();
    await operator.stop();
    const counts = s.counts(groupId);
    // Every module taken out of a jig holds exactly one license, and no license is in two modules.
    const inFlash = operator.burnedModules.map((m) => m.flash.uuid);
    expect(new Set(inFlash).size).toBe(inFlash.length);
    // The modules still in the jigs may hold the last burns (done, not yet swapped).
    const inJigs = (await Promise.all(ports.map((_, i) => f.readFlash(i)))).map((fl) => fl?.uuid).filter((u): u is string => !!u);
    const all = [...inFlash, ...inJigs];
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(counts.burned);
    for (const uuid of all) expect(s.ledger.license(uuid!).state).toBe('verified');
    // Every slot took part.
    expect(new Set(operator.burnedModules.map((m) => m.slotId)).size).toBe(3);
    expect(counts.reserved + counts.burning + counts.suspect).toBe(0);
    expect(s.verifyAudit().ok).toBe(true);
  });
});
