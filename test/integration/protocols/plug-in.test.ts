import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { protocolSchema } from '../../../common/api/schemas';
import { protocolIds } from '../../../common/protocols';
import { Slot, type Station } from '../../../main/station';
import { detectProtocol, protocolDescriptor, registerProtocol, registeredProtocols } from '../../../native/protocols';
import { Fleet } from '../../../native/sim/fleet';
import { SerialTransport } from '../../../native/transport/serial';
import { testLine } from '../../protocols/test-line';
import { newTestStation, tempDir, waitFor } from '../station/fixtures';

// Issue 15's proof: a protocol that lives only in test/protocols/test-line/ (codec, driver, personality,
// descriptor) joins the station through the public registry and burns through a real slot, over a pty.
let fleet: Fleet | undefined;
let station: Station | undefined;
let slot: Slot<'test-line'> | undefined;
let cleanup: (() => void) | undefined;

afterEach(async () => {
  await slot?.stop({ abandon: true });
  await station?.close({ abandon: true }).catch(() => undefined);
  await fleet?.stop();
  cleanup?.();
  slot = station = fleet = cleanup = undefined;
});

/** Every source file of the app and the hub (the folders that are not test/). */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

describe('a protocol from its own folder', () => {
  it('is named nowhere outside test/: the station is not edited to know it', () => {
    const root = join(import.meta.dirname, '../../..');
    const files = ['common', 'native', 'main', 'node', 'preload', 'renderer', 'hub', 'console'].flatMap((d) => sourceFiles(join(root, d)));
    expect(files.length).toBeGreaterThan(100);
    expect(files.filter((f) => readFileSync(f, 'utf8').includes('test-line'))).toEqual([]);
  });

  it('is unknown until registered, then follows the built-in protocols in detection order; the UI contract keeps the built-in names', () => {
    expect(() => protocolDescriptor('test-line')).toThrow(expect.objectContaining({ code: 'UNKNOWN_PROTOCOL' }));
    registerProtocol(testLine);
    registerProtocol(testLine);
    expect(registeredProtocols()).toEqual([...protocolIds, 'test-line']);
    expect(protocolDescriptor('test-line')).toBe(testLine);
    expect(() => registerProtocol({ ...testLine })).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(() => registerProtocol({ ...protocolDescriptor('tuya-auc') })).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(() => registerProtocol({ ...testLine, id: 'Test Line' })).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(registeredProtocols()).toEqual([...protocolIds, 'test-line']);
    expect(protocolSchema.options).toEqual([...protocolIds]);
  });

  it('is detected on a port, burns and verifies licenses through a slot and the ledger, and keeps the one burn rule', async () => {
    registerProtocol(testLine);
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    fleet = await Fleet.start({ protocol: 'test-line', count: 1, timing: { flashWriteMs: 5 } });
    const port = fleet.portList[0]!.hostPath;

    // The built-in protocols are asked first and get no answer; test-line's PING does.
    const probe = new SerialTransport(port, { baudRate: 115200 });
    await probe.open();
    try {
      expect(await detectProtocol(probe, { timeoutMs: 300 })).toBe('test-line');
    } finally {
      await probe.close();
    }

    const made = await newTestStation(tmp.dir, 5);
    station = made.station;
    const { groupId, licenses } = made;
    const authkeyOf = (uuid: string) => licenses.find((l) => l.uuid === uuid)?.authkey;
    slot = new Slot({ id: 'slot-1', number: 1, port, protocol: 'test-line', groupId }, { ledger: station.ledger });
    const s = slot;
    s.start();

    const first = await waitFor(() => s.snapshot.lastResult?.ok === true && s.snapshot.lastResult, 'the first burn');
    expect(s.snapshot.protocol).toBe('test-line');
    const flash = await fleet.readFlash(0);
    expect(flash?.uuid).toBe(first.uuid);
    expect(flash?.authkey).toBe(authkeyOf(first.uuid));
    expect(station.ledger.license(first.uuid).state).toBe('verified');

    // The operator puts a blank module in: the next license goes into it.
    await fleet.swap(0);
    const second = await waitFor(
      () => s.snapshot.lastResult?.ok === true && s.snapshot.lastResult.uuid !== first.uuid && s.snapshot.lastResult,
      'the second burn',
    );
    expect((await fleet.readFlash(0))?.uuid).toBe(second.uuid);
    expect(station.ledger.license(second.uuid).state).toBe('verified');

    // A module that holds another license: refused by burn-rules.ts, nothing written, the license back in the group.
    await fleet.swap(0, { faults: { alreadyAuthorized: true } });
    const refused = await waitFor(() => s.snapshot.lastResult?.ok === false && s.snapshot.lastResult, 'the refusal');
    expect(refused).toMatchObject({ code: 'ALREADY_AUTHORIZED', license: 'released' });
    expect((await fleet.readFlash(0))?.uuid).toBe('testlineprevious');

    await s.stop();
    const counts = station.counts(groupId);
    expect(counts.burned).toBe(2);
    expect(counts.reserved + counts.burning + counts.suspect).toBe(0);
    expect(station.verifyAudit().ok).toBe(true);
  });
});
