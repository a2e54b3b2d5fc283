import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import i18next from 'i18next';
import { burnFailureCodeSchema, outcomeTextsSchema, protocolSchema } from '../../../common/api/schemas';
import { failureCode, outcomeTexts } from '../../../main/app/views';
import { protocolIds } from '../../../common/protocols';
import { Slot, failureMessage, type Station } from '../../../main/station';
import { detectProtocol, protocolDescriptor, registerProtocol, registeredProtocols } from '../../../native/protocols';
import { Fleet } from '../../../native/sim/fleet';
import { SerialTransport } from '../../../native/transport/serial';
import { addOutcomeTexts, resources } from '../../../renderer/i18n';
import { testLine } from '../../protocols/test-line';
import { messages } from '../../protocols/test-line/messages';
import { newTestStation, tempDir, waitFor } from '../station/fixtures';

// Issue 15's proof: a protocol that lives only in test/protocols/test-line/ (codec, driver, personality,
// descriptor, operator messages) joins the station through the public registry and burns through a real slot, over a pty.
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
    // nor its own outcome code: its words are in its folder's messages.ts only
    expect(files.filter((f) => readFileSync(f, 'utf8').includes('FLASH_LOCKED'))).toEqual([]);
  });

  it('is unknown until registered, then follows the built-in protocols in detection order; the UI contract keeps the built-in names', () => {
    expect(() => protocolDescriptor('test-line')).toThrow(expect.objectContaining({ code: 'UNKNOWN_PROTOCOL' }));
    // its own outcome code is no code of the station's until then: a fault of the driver's
    expect(failureMessage('FLASH_LOCKED', 3)).toMatch(/^The station hit an internal error while burning on slot 3/);
    registerProtocol(testLine);
    registerProtocol(testLine);
    expect(registeredProtocols()).toEqual([...protocolIds, 'test-line']);
    expect(protocolDescriptor('test-line')).toBe(testLine);
    expect(() => registerProtocol({ ...testLine })).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(() => registerProtocol({ ...protocolDescriptor('tuya-auc') })).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(() => registerProtocol({ ...testLine, id: 'Test Line' })).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(registeredProtocols()).toEqual([...protocolIds, 'test-line']);
    expect(protocolSchema.options).toEqual([...protocolIds]);
    // Its own outcome code names one outcome: not one every driver uses, nor another protocol's.
    expect(() => registerProtocol({ ...testLine, id: 'other-line' })).toThrow(
      expect.objectContaining({
        code: 'BAD_ARGUMENT',
        message: expect.stringContaining('FLASH_LOCKED of other-line is used by test-line'),
      }),
    );
    expect(() => registerProtocol({ ...testLine, id: 'other-line', messages: { TIMEOUT: messages.FLASH_LOCKED } })).toThrow(
      expect.objectContaining({ code: 'BAD_ARGUMENT' }),
    );
    expect(() => registerProtocol({ ...testLine, id: 'other-line', messages: { 'flash locked': messages.FLASH_LOCKED } })).toThrow(
      expect.objectContaining({ code: 'BAD_ARGUMENT' }),
    );
    expect(registeredProtocols()).toEqual([...protocolIds, 'test-line']);
  });

  it("gives its own outcome code's words from its folder: the station's slot message, and the screen's in English and Chinese", async () => {
    registerProtocol(testLine);
    expect(failureMessage('FLASH_LOCKED', 3, { license: 'released', uuid: 'u1' })).toBe(
      'The flash of the module on slot 3 is locked, so it took no license. Nothing was written; license u1 went back to the group. Put it aside.',
    );
    expect(failureCode('FLASH_LOCKED at write: locked')).toBe('FLASH_LOCKED');
    const texts = outcomeTextsSchema.parse(outcomeTexts());
    expect(texts.outcomes.at(-1)).toEqual({ code: 'FLASH_LOCKED', colour: '#4a7fd1', ...messages.FLASH_LOCKED.screen });
    // The screen adds them to its dictionaries at start (renderer/main.tsx) and says the code in either language.
    const i18n = i18next.createInstance();
    await i18n.init({ resources: structuredClone(resources), lng: 'zh-CN', fallbackLng: 'en', interpolation: { escapeValue: false } });
    addOutcomeTexts(i18n, texts);
    expect(i18n.t('burnError.FLASH_LOCKED', { slot: 2 })).toBe('工位 2 的模组闪存已锁定，未接受授权：请把它放到一边。');
    expect(i18n.t('reason.FLASH_LOCKED')).toBe('闪存已锁定');
    expect(i18n.t('errors.FLASH_LOCKED')).toBe('模组闪存已锁定，未写入任何内容。');
    expect(i18n.t('burnError.FLASH_LOCKED', { slot: 2, lng: 'en' })).toBe(
      'The flash of the module on slot 2 is locked, so it took no license: put it aside.',
    );
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

  it('ends a burn with its own outcome code, which the slot says in the words of its folder and the UI contract takes', async () => {
    registerProtocol(testLine);
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    fleet = await Fleet.start({ protocol: 'test-line', count: 1, timing: { flashWriteMs: 5 }, faults: { writeRefused: true } });
    const made = await newTestStation(tmp.dir, 2);
    station = made.station;
    slot = new Slot(
      { id: 'slot-1', number: 4, port: fleet.portList[0]!.hostPath, protocol: 'test-line', groupId: made.groupId },
      { ledger: station.ledger },
    );
    const s = slot;
    s.start();
    const locked = await waitFor(() => s.snapshot.lastResult?.ok === false && s.snapshot.lastResult, 'the locked flash');
    // WRITE left, and the module said no: the license is suspect, the first sentence is test-line's own.
    expect(locked).toMatchObject({ code: 'FLASH_LOCKED', step: 'write', license: 'suspect' });
    expect(locked.message).toMatch(
      /^The flash of the module on slot 4 is locked, so it took no license\. License \S+ may be in this module/,
    );
    expect(burnFailureCodeSchema.parse(locked.code)).toBe('FLASH_LOCKED');
    expect((await fleet.readFlash(0))?.uuid ?? null).toBeNull();
  });
});
