import { afterEach, describe, expect, it } from 'vitest';
import { Fleet } from '../../../native/sim/fleet';
import type { FaultSet } from '../../../native/sim/types';
import type { Slot, Station, SlotSnapshot, StationEvent } from '../../../main/station';
import { JigWatch, Operator, answeredAfterSilence, answeredLooks, newTestStation, replaceModule, tempDir, waitFor } from './fixtures';

let cleanup: (() => void) | undefined;
let fleet: Fleet | undefined;
let station: Station | undefined;
let jig: JigWatch;

afterEach(async () => {
  await station?.close({ abandon: true }).catch(() => undefined);
  await fleet?.stop();
  cleanup?.();
  station = undefined;
  fleet = undefined;
});

async function setup(modules: number, licenses: number, faults: (FaultSet | undefined)[] = []) {
  const tmp = tempDir();
  cleanup = tmp.cleanup;
  fleet = await Fleet.start({
    protocol: 'tuya-auc',
    count: modules,
    timing: { baudRate: 115200, flashWriteMs: 5 },
    modules: faults.map((f) => (f ? { faults: f } : undefined)),
  });
  jig = new JigWatch();
  const made = await newTestStation(tmp.dir, licenses, { makeDriver: jig.makeDriver });
  station = made.station;
  const events: StationEvent[] = [];
  station.subscribe((e) => events.push(e));
  const slots: Slot[] = fleet.portList.map((p) => made.station.addSlot({ port: p.hostPath, protocol: 'tuya-auc', groupId: made.groupId }));
  return { ...made, slots, events, fleet };
}

const phaseOf = (slot: Slot, phase: SlotSnapshot['phase']) => () => slot.snapshot.phase === phase && slot.snapshot;

describe('slots against virtual modules over ptys', () => {
  it('burns modules on three slots in parallel, each module once, each license once', async () => {
    const { station: s, groupId, fleet: f, slots } = await setup(3, 20);
    const operator = new Operator(f, (slot) => slots.findIndex((x) => x.id === slot.slotId), 50);
    s.subscribe(operator.onEvent);
    s.start();
    await waitFor(() => s.counts(groupId).burned >= 9, '9 burns', 20_000);
    await s.stop();
    await operator.stop();
    const counts = s.counts(groupId);
    const inJigs = (await Promise.all(slots.map((_, i) => f.readFlash(i)))).map((fl) => fl?.uuid).filter((u): u is string => !!u);
    const all = [...operator.burnedModules.map((m) => m.flash.uuid!), ...inJigs];
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(counts.burned);
    for (const uuid of all) expect(s.ledger.license(uuid).state).toBe('verified');
    expect(new Set(operator.burnedModules.map((m) => m.slotId)).size).toBe(3);
    expect(counts.reserved + counts.burning + counts.suspect).toBe(0);
    expect(s.verifyAudit().ok).toBe(true);
  });

  it('maps every fault class to the slot state and the ledger state it must give', async () => {
    const faults: FaultSet[] = [
      { noAnswer: 'check' },
      { corruptChecksum: 'check' },
      { noAnswer: 'write' },
      { writeRefused: true },
      { readbackMismatch: true },
      { unplugMidFrame: 'write' },
      { alreadyAuthorized: true },
    ];
    const { station: s, groupId, slots, events } = await setup(faults.length, 20, faults);
    s.start();
    const results = await Promise.all(slots.map((slot) => waitFor(phaseOf(slot, 'failed'), `slot ${slot.config.number} to fail`, 15_000)));
    const expected: { code: string; license: 'released' | 'suspect'; words: RegExp }[] = [
      {
        code: 'TIMEOUT',
        license: 'released',
        words:
          /No answer from the module on slot 1\. Nothing was written; license \S+ went back to the group\. Check that it sits in the jig.*press Retry\.$/,
      },
      { code: 'CHECKSUM', license: 'released', words: /slot 2 sent a damaged answer.*went back to the group/ },
      {
        code: 'TIMEOUT',
        license: 'suspect',
        words: /slot 3.*held as suspect until a supervisor reads the module back\. Put the module aside for a supervisor\.$/,
      },
      { code: 'REFUSED', license: 'suspect', words: /slot 4 refused the license.*suspect/ },
      { code: 'VERIFY_MISMATCH', license: 'suspect', words: /slot 5 reads back something other.*suspect/ },
      { code: 'DISCONNECTED', license: 'suspect', words: /slot 6 was disconnected.*suspect/ },
      {
        code: 'ALREADY_AUTHORIZED',
        license: 'released',
        words: /slot 7 already holds license simprevious00001; no license was used\. Put it aside for a supervisor\.$/,
      },
    ];
    results.forEach((snap, i) => {
      const r = snap.lastResult!;
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect({ slot: i + 1, code: r.code, license: r.license }).toEqual({
        slot: i + 1,
        code: expected[i]!.code,
        license: expected[i]!.license,
      });
      expect(r.message).toMatch(expected[i]!.words);
      expect(s.ledger.license(r.uuid!).state).toBe(expected[i]!.license === 'suspect' ? 'suspect' : 'available');
    });
    const counts = s.counts(groupId);
    expect(counts).toMatchObject({ suspect: 4, burned: 0, reserved: 0, burning: 0 });
    expect(counts.failedAttempts).toBeGreaterThanOrEqual(3);
    expect(counts.left + counts.burned + counts.suspect + counts.rejected + counts.void).toBe(counts.total);
    expect(events.some((e) => e.type === 'counts' && e.groupId === groupId && e.counts.suspect === 4)).toBe(true);
    // The unplugged programmer shows as disconnected while its port is gone.
    await waitFor(() => !slots[5]!.snapshot.connected && slots[5]!.snapshot.portProblem, 'slot 6 to show disconnected');
    expect(slots[5]!.snapshot.lastResult).toMatchObject({ code: 'DISCONNECTED', license: 'suspect' });
    // The supervisor: the refused write left the module blank. A blank tuya-auc module has no MAC to tell it by, so
    // the supervisor confirms it is that module; it holds nothing, so the license goes back to its group.
    // The timed-out one's module is lost, so it is voided with a reason.
    await s.stop();
    const refused = results[3]!.lastResult!;
    const refusedUuid = refused.ok ? '' : refused.uuid!;
    await expect(s.resolveSuspectByReadBack(refusedUuid, { slotId: slots[3]!.id })).rejects.toMatchObject({ code: 'MODULE_UNIDENTIFIED' });
    expect((await s.resolveSuspectByReadBack(refusedUuid, { slotId: slots[3]!.id }, { confirmUnidentified: true })).state).toBe('released');
    expect(s.ledger.license(refusedUuid).state).toBe('available');
    const timedOut = results[2]!.lastResult!;
    s.voidSuspect(timedOut.ok ? '' : timedOut.uuid!, 'module scrapped');
    expect(s.counts(groupId)).toMatchObject({ suspect: 2, void: 1 });
    expect(() => s.voidSuspect(refusedUuid, 'again')).toThrow(/only a suspect license can be voided/);
  });

  it('reconnects after an unplug and a supervisor settles the suspect by reading the module back', async () => {
    const { station: s, slots, fleet: f } = await setup(1, 5, [{ unplugMidFrame: 'write' }]);
    const slot = slots[0]!;
    s.start();
    const failed = await waitFor(phaseOf(slot, 'failed'), 'the unplug');
    const uuid = failed.lastResult!.ok ? '' : failed.lastResult!.uuid!;
    expect(s.ledger.license(uuid).state).toBe('suspect');
    // The flash was written before the answer was cut: the same module is plugged back in.
    const flash = await f.readFlash(0);
    expect(flash?.uuid).toBe(uuid);
    await s.stop();
    await f.swap(0, { flash: flash!, faults: {} });
    const resolved = await s.resolveSuspectByReadBack(uuid, { slotId: slot.id });
    expect(resolved.state).toBe('verified');
    expect(resolved.module.authkey).toBeNull();
    expect(s.ledger.license(uuid).state).toBe('verified');
    // A fresh module after the swap is burned once the slot runs again.
    await f.swap(0);
    s.start();
    const done = await waitFor(phaseOf(slot, 'done'), 'the burn after reconnecting');
    expect(done.connected).toBe(true);
  });

  it('never burns the same module twice: waits for a module without the license it just burned', async () => {
    const { station: s, groupId, slots, fleet: f } = await setup(1, 5);
    const slot = slots[0]!;
    s.start();
    const first = await waitFor(phaseOf(slot, 'done'), 'the first burn');
    const uuid = first.lastResult!.ok ? first.lastResult!.uuid : '';
    // The module stays in the jig (it resets after EXIT and answers again): nothing more happens.
    await jig.until(slot.config.port, answeredAfterSilence(3), 'three looks at the burned module after its reset');
    expect(s.counts(groupId)).toMatchObject({ burned: 1, available: 4, failedAttempts: 0 });
    expect((await f.readFlash(0))?.uuid).toBe(uuid);
    // Taken out and put back: still the same module (it carries the license), so still nothing.
    const flash = (await f.readFlash(0))!;
    await replaceModule(f, 0, { flash }, 600);
    await jig.until(slot.config.port, answeredLooks(3), 'three looks at the module put back');
    expect(s.counts(groupId)).toMatchObject({ burned: 1, available: 4, failedAttempts: 0 });
    expect(slot.snapshot.phase).toBe('done');
    // A blank module: burned at once, with the next license.
    await f.swap(0);
    await waitFor(() => s.counts(groupId).burned === 2, 'the second burn');
    const second = (await f.readFlash(0))!;
    expect(second.uuid).not.toBe(uuid);
    expect(s.counts(groupId)).toMatchObject({ burned: 2, available: 3, failedAttempts: 0 });
  });

  it('after a failure waits for Retry (same module) or for the module to be taken out', async () => {
    const { station: s, groupId, slots, fleet: f } = await setup(1, 5, [{ corruptChecksum: 'check' }]);
    const slot = slots[0]!;
    s.start();
    await waitFor(phaseOf(slot, 'failed'), 'the checksum failure');
    await f.setFaults(0, {});
    // The module still answers and nothing tells it from a new blank one: the slot waits for the operator.
    await jig.until(slot.config.port, answeredLooks(3), 'three looks at the failed module');
    expect(s.counts(groupId)).toMatchObject({ burned: 0, failedAttempts: 1 });
    expect(slot.snapshot.phase).toBe('failed');
    s.retry(slot.id);
    await waitFor(phaseOf(slot, 'done'), 'the burn after Retry');
    // Second failure, then the operator takes the module out and places another: burned without Retry.
    await replaceModule(f, 0, { faults: { corruptChecksum: 'check' } }, 700);
    await waitFor(phaseOf(slot, 'failed'), 'the second failure');
    await replaceModule(f, 0, {}, 700);
    await waitFor(() => s.counts(groupId).burned === 2, 'the burn after the module was replaced');
    expect(s.counts(groupId)).toMatchObject({ burned: 2, failedAttempts: 2, suspect: 0 });
  });

  it('sets an already authorized module aside without using a license and burns the next one', async () => {
    const { station: s, groupId, slots, fleet: f } = await setup(1, 5, [{ alreadyAuthorized: true }]);
    const slot = slots[0]!;
    s.start();
    await waitFor(phaseOf(slot, 'failed'), 'the set-aside');
    expect(s.counts(groupId)).toMatchObject({ available: 5, burned: 0, suspect: 0 });
    expect((await f.readFlash(0))?.uuid).toBe('simprevious00001');
    await jig.until(slot.config.port, answeredLooks(3), 'three looks at the module set aside');
    expect(slot.snapshot.phase).toBe('failed');
    await f.swap(0, { faults: {} });
    await waitFor(phaseOf(slot, 'done'), 'the next module');
    expect(s.counts(groupId)).toMatchObject({ available: 4, burned: 1 });
  });

  it('sets aside licenses these modules cannot take, burns the same module with the next one, and after 3 in a row stops with the group-level reason', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    fleet = await Fleet.start({ protocol: 'tuya-auc', count: 1, variant: 'pid', timing: { baudRate: 115200, flashWriteMs: 5 } });
    const made = await newTestStation(tmp.dir, 6);
    station = made.station;
    const s = made.station;
    const slot = s.addSlot({ port: fleet.portList[0]!.hostPath, protocol: 'tuya-auc', groupId: made.groupId });
    s.start();
    const stopped = await waitFor(phaseOf(slot, 'stopped'), 'the slot to stop');
    expect(stopped.stopReason).toEqual({
      code: 'LICENSES_REJECTED',
      message: `Group ${s.group(made.groupId).name} has no PID but these modules ask for one: a supervisor can set the group's PID.`,
    });
    const rejected = s.listRejected(made.groupId);
    expect(rejected.map((l) => l.uuid)).toEqual(made.licenses.slice(0, 3).map((l) => l.uuid));
    expect(rejected[0]!.reason).toMatch(/PID/);
    const counts = s.counts(made.groupId);
    expect(counts).toMatchObject({ total: 6, left: 3, rejected: 3, burned: 0, suspect: 0, failedAttempts: 0 });
    expect((await fleet.readFlash(0))?.uuid).toBeNull();
    // The supervisor sets the group's PID: the same module in the jig is burned with the next license.
    s.setGroupPid(made.groupId, 'plug0001', { by: 'supervisor' });
    s.start();
    const done = await waitFor(phaseOf(slot, 'done'), 'the burn with a PID');
    expect(done.lastResult).toMatchObject({ ok: true, uuid: made.licenses[3]!.uuid });
    expect(s.counts(made.groupId)).toMatchObject({ left: 2, burned: 1, rejected: 3 });
    expect(s.verifyAudit().ok).toBe(true);
  });

  it('tells at once when a group picked for a slot has uuids its protocol cannot take', async () => {
    const { station: s, slots } = await setup(1, 2);
    const twenty = Array.from({ length: 3 }, (_, i) => `uuid20chars${String(i).padStart(9, '0')}`);
    const csv = Buffer.from(
      ['uuid,authkey,mac', ...twenty.map((u, i) => `${u},${'A'.repeat(32)},D0C0B00000${String(i).padStart(2, '0')}`)].join('\r\n'),
    );
    const report = await s.importLicenseList(csv, 'long.csv', { groupName: 'Long uuids' });
    if (!report.ok) throw new Error('import refused');
    let error: unknown;
    try {
      s.selectGroup(report.groupId, [slots[0]!.id]);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: 'UUIDS_DO_NOT_FIT',
      message: 'Group Long uuids has 20-character uuids, and the tuya-auc modules on slot 1 take 16: pick another group for slot 1.',
    });
    expect(() => s.addSlot({ port: '/dev/null-2', protocol: 'tuya-auc', groupId: report.groupId })).toThrow(/20-character uuids/);
    expect(s.addSlot({ port: '/dev/null-3', protocol: 'tuyaopen-cli', groupId: report.groupId }).config.groupId).toBe(report.groupId);
  });

  it('refuses to start on a blocked group with its reason, and stops a running slot before its next license', async () => {
    const { station: s, groupId, slots, fleet: f } = await setup(1, 5);
    const slot = slots[0]!;
    s.blockGroup(groupId, 'update request under review');
    expect(() => s.start()).toThrow(/blocked: update request under review/);
    expect(slot.running).toBe(false);
    s.unblockGroup(groupId);
    s.start();
    await waitFor(phaseOf(slot, 'done'), 'a burn');
    s.blockGroup(groupId, 'update request under review');
    await f.swap(0);
    const stopped = await waitFor(phaseOf(slot, 'stopped'), 'the slot to stop');
    expect(stopped.stopReason).toMatchObject({ code: 'GROUP_BLOCKED' });
    expect(stopped.stopReason!.message).toBe(
      `Group ${s.group(groupId).name} is blocked: update request under review. Pick another group or ask a supervisor.`,
    );
    // the verified burn before the block is still the slot's last result
    expect(stopped.lastResult?.ok).toBe(true);
    expect(s.counts(groupId)).toMatchObject({ burned: 1, available: 4, reserved: 0, failedAttempts: 0 });
    expect((await f.readFlash(0))?.uuid).toBeNull();
  });

  it('stops before sending anything when the next license fails its integrity check, saying so, and burns on once it is dealt with', async () => {
    const { station: s, groupId, slots, fleet: f, licenses } = await setup(1, 5);
    const slot = slots[0]!;
    const damaged = licenses[0]!.uuid;
    const good = s.vault.db
      .prepare<[string], { sealed_authkey: Buffer }>('SELECT sealed_authkey FROM licenses WHERE uuid = ?')
      .get(damaged)!.sealed_authkey;
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1]! ^= 1;
    s.vault.db.prepare('UPDATE licenses SET sealed_authkey = ? WHERE uuid = ?').run(flipped, damaged);
    s.start();
    const stopped = await waitFor(phaseOf(slot, 'stopped'), 'the slot to stop');
    expect(stopped.stopReason).toEqual({
      code: 'LICENSE_DAMAGED',
      message: `License ${damaged} of group ${s.group(groupId).name} fails its integrity check in the vault (the vault file was altered or damaged), so slot 1 stopped before sending anything. Burn from another group and call a supervisor to check the vault.`,
    });
    expect(s.counts(groupId)).toMatchObject({ available: 5, burned: 0, reserved: 0 });
    expect((await f.readFlash(0))?.uuid).toBeNull();
    // restored (here: the original bytes put back), the slot starts again and burns that license first
    s.vault.db.prepare('UPDATE licenses SET sealed_authkey = ? WHERE uuid = ?').run(good, damaged);
    s.start();
    const done = await waitFor(phaseOf(slot, 'done'), 'a burn');
    expect(done.lastResult).toMatchObject({ ok: true, uuid: damaged });
    expect(done.stopReason).toBeNull();
  });

  it('a port that vanishes after a burn shows as a port problem beside the burn, which stays the last result', async () => {
    const { station: s, slots, fleet: f } = await setup(1, 5);
    const slot = slots[0]!;
    s.start();
    const done = await waitFor(phaseOf(slot, 'done'), 'a burn');
    await f.unplug(0);
    const gone = await waitFor(() => !slot.snapshot.connected && slot.snapshot.portProblem !== null && slot.snapshot, 'the port problem');
    expect(gone.portProblem).toMatch(/^The port of slot 1 cannot be opened: .+\. The slot keeps trying\.$/);
    expect(gone.portProblem?.match(/plugged in/g)?.length ?? 0, 'what to do is said once').toBeLessThanOrEqual(1);
    expect(gone).toMatchObject({ running: true, phase: 'done', lastResult: done.lastResult });
    // plugged back in with a blank module: the problem clears and the slot burns on
    await f.swap(0);
    const next = await waitFor(
      () =>
        slot.snapshot.phase === 'done' &&
        slot.snapshot.lastResult?.ok &&
        slot.snapshot.lastResult.uuid !== (done.lastResult!.ok ? done.lastResult!.uuid : '') &&
        slot.snapshot,
      'the next burn',
    );
    expect(next).toMatchObject({ connected: true, portProblem: null });
    await s.stop();
    expect(slot.snapshot.portProblem).toBeNull();
  });

  it('an empty group stops the slot with its reason and keeps the last burn in view', async () => {
    const { station: s, slots, fleet: f } = await setup(1, 1);
    const slot = slots[0]!;
    s.start();
    const done = await waitFor(phaseOf(slot, 'done'), 'the only burn');
    await f.swap(0);
    const stopped = await waitFor(phaseOf(slot, 'stopped'), 'the slot to stop');
    expect(stopped.stopReason).toEqual({
      code: 'NO_LICENSE_LEFT',
      message: 'The group has no license left for slot 1: import more licenses or pick another group.',
    });
    expect(stopped.lastResult).toEqual(done.lastResult);
    expect(stopped.running).toBe(false);
  });

  it('stops mid-run: a burn under way is finished and recorded, or abandoned and released', async () => {
    const { station: s, groupId, slots } = await setup(2, 6);
    // Slot 1 is stopped while writing: the burn completes and is verified.
    let stopped: Promise<void> | undefined;
    slots[0]!.subscribe((snap) => {
      if (snap.step === 'write' && !stopped) stopped = slots[0]!.stop();
    });
    // Slot 2 is abandoned while connecting: nothing was sent, its license goes back.
    let abandoned: Promise<void> | undefined;
    slots[1]!.subscribe((snap) => {
      if (snap.step === 'connect' && !abandoned) abandoned = slots[1]!.stop({ abandon: true });
    });
    s.start();
    await waitFor(() => stopped !== undefined && abandoned !== undefined, 'both stops');
    await Promise.all([stopped, abandoned]);
    const [a, b] = [slots[0]!.snapshot, slots[1]!.snapshot];
    expect(a).toMatchObject({ phase: 'stopped', running: false, burned: 1 });
    expect(a.lastResult?.ok).toBe(true);
    expect(b.phase).toBe('stopped');
    expect(b.lastResult).toMatchObject({ ok: false, code: 'CANCELED', license: 'released' });
    expect(s.counts(groupId)).toMatchObject({ burned: 1, available: 5, reserved: 0, burning: 0, suspect: 0 });
  });

  it('records the scanned module serial with the next burn only', async () => {
    const { station: s, slots, fleet: f } = await setup(1, 5);
    const slot = slots[0]!;
    s.setNextModuleSerial(slot.id, 'SN-2024-0001');
    expect(slot.snapshot.pendingSerial).toBe('SN-2024-0001');
    s.start();
    const done = await waitFor(phaseOf(slot, 'done'), 'the burn');
    const uuid = done.lastResult!.ok ? done.lastResult!.uuid : '';
    expect(s.ledger.license(uuid).moduleSerial).toBe('SN-2024-0001');
    expect(done.pendingSerial).toBeNull();
    await f.swap(0);
    await waitFor(() => s.ledger.burnRecords().filter((r) => r.result === 'verified').length === 2, 'the second burn');
    const second = s.ledger.burnRecords().filter((r) => r.result === 'verified')[1]!;
    expect(second.moduleSerial).toBeNull();
    expect(s.exportBurnReportCsv()).toContain('SN-2024-0001');
    expect(() => s.setNextModuleSerial(slot.id, 'bad\u0001serial')).toThrow(/printable/);
  });
});
