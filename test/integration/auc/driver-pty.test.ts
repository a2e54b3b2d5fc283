import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../../native/sim/fleet';
import { SerialTransport } from '../../../native/transport/serial';
import { TuyaAucDriver } from '../../../native/protocols/tuya-auc/driver';
import type { Transport } from '../../../native/transport/types';
import type { BurnOutcome, LicenseToBurn } from '../../../native/protocols/types';
import type { FaultSet, ModuleSpec } from '../../../native/sim/types';

// The tuya-auc driver against virtual modules over real ptys (socat) and serialport,
// at 115200 baud timing: a good burn, and every injected fault mapped to its outcome.

const license: LicenseToBurn = {
  uuid: 'tuya1234abcd5678',
  authkey: '0123456789abcdefABCDEF0123456789',
  mac: 'DC2345678901',
  pid: 'productpid000001',
};
// Short deadlines only where silence is expected; elsewhere a loaded machine must not fail a good burn.
const timeouts = { enter: 400, query: 2000, write: 3000, exit: 2000 };
const silentTimeouts = { enter: 150, query: 300, write: 600, exit: 300 };

/** A transport that remembers whether anything was written, to prove "nothing sent", and which writes waited for a drain. */
class CountingTransport extends SerialTransport {
  written = 0;
  drained = 0;
  override async write(data: Uint8Array, options?: { drain?: boolean }): Promise<void> {
    this.written += data.length;
    if (options?.drain !== false) this.drained++;
    return super.write(data, options);
  }
}

let fleet: Fleet;
beforeAll(async () => {
  fleet = await Fleet.start({ protocol: 'tuya-auc', count: 2, timing: { baudRate: 115200, flashWriteMs: 5 } });
});
afterAll(async () => {
  await fleet?.stop();
});

/** Places a fresh module with `spec` on port 0, burns once through a fresh host port, and returns the outcome. */
async function burnWith(
  spec: Partial<ModuleSpec>,
  options: Parameters<TuyaAucDriver['burn']>[1] = {},
  lic = license,
  silent = false,
): Promise<{ outcome: BurnOutcome; transport: CountingTransport }> {
  const port = await fleet.swap(0, spec);
  const transport = new CountingTransport(port.hostPath, { baudRate: 115200 });
  await transport.open();
  try {
    const outcome = await new TuyaAucDriver(transport, { timeouts: silent ? silentTimeouts : timeouts, enterAttempts: 3 }).burn(
      lic,
      options,
    );
    return { outcome, transport };
  } finally {
    await transport.close();
  }
}

const withFault = (faults: FaultSet) => burnWith({ faults }, {}, license, faults.noAnswer !== undefined);

describe('tuya-auc burn over a real pty', () => {
  it.each(['standard', 'pid'])('burns and verifies a license on %s firmware', async (variant) => {
    const steps: string[] = [];
    let journaled = false;
    const { outcome, transport } = await burnWith(
      { variant },
      { onStep: (s) => steps.push(s), beforeWrite: async () => void (journaled = true) },
    );
    expect(outcome).toMatchObject({
      ok: true,
      exposure: 'verified',
      module: { uuid: license.uuid, authkey: license.authkey, mac: license.mac },
    });
    expect(journaled).toBe(true);
    expect(steps).toEqual(['connect', 'check', 'write', 'verify', 'finish']);
    // Each answer proves its frame left: no write waits for a drain (a thread-pool round trip each).
    expect(transport.drained).toBe(0);
    const flash = await fleet.readFlash(0);
    expect(flash).toMatchObject({
      uuid: license.uuid,
      authkey: license.authkey,
      mac: license.mac,
      pid: variant === 'pid' ? license.pid : null,
    });
  });

  it('burns each swapped-in module with its own license', async () => {
    for (const n of [1, 2]) {
      const uuid = `tuya1234abcd000${n}`;
      const { outcome } = await burnWith({}, {}, { ...license, uuid });
      expect(outcome.ok).toBe(true);
      expect((await fleet.readFlash(0))?.uuid).toBe(uuid);
    }
  });

  it.each<[string, FaultSet, string, string, string]>([
    ['no answer to ENTER', { noAnswer: 'enter' }, 'TIMEOUT', 'nothing-sent', 'connect'],
    ['no answer to the first read', { noAnswer: 'check' }, 'TIMEOUT', 'nothing-sent', 'check'],
    ['no answer to the write', { noAnswer: 'write' }, 'TIMEOUT', 'sent-outcome-unknown', 'write'],
    ['no answer to the read-back', { noAnswer: 'verify' }, 'TIMEOUT', 'sent-outcome-unknown', 'verify'],
    ['a corrupt ENTER answer', { corruptChecksum: 'enter' }, 'CHECKSUM', 'nothing-sent', 'connect'],
    ['a corrupt first read', { corruptChecksum: 'check' }, 'CHECKSUM', 'nothing-sent', 'check'],
    ['a corrupt write answer', { corruptChecksum: 'write' }, 'CHECKSUM', 'sent-outcome-unknown', 'write'],
    ['a corrupt read-back', { corruptChecksum: 'verify' }, 'CHECKSUM', 'sent-outcome-unknown', 'verify'],
    ['a refused write', { writeRefused: true }, 'REFUSED', 'sent-outcome-unknown', 'write'],
    ['a read-back that differs', { readbackMismatch: true }, 'VERIFY_MISMATCH', 'sent-outcome-unknown', 'verify'],
    ['an unplug while answering ENTER', { unplugMidFrame: 'enter' }, 'DISCONNECTED', 'nothing-sent', 'connect'],
    ['an unplug while answering the first read', { unplugMidFrame: 'check' }, 'DISCONNECTED', 'nothing-sent', 'check'],
    ['an unplug while answering the write', { unplugMidFrame: 'write' }, 'DISCONNECTED', 'sent-outcome-unknown', 'write'],
    ['an unplug while answering the read-back', { unplugMidFrame: 'verify' }, 'DISCONNECTED', 'sent-outcome-unknown', 'verify'],
    ['an already authorized module', { alreadyAuthorized: true }, 'ALREADY_AUTHORIZED', 'nothing-sent', 'check'],
  ])('maps %s %j to %s, %s, at step %s', async (_name, faults, code, exposure, step) => {
    const { outcome } = await withFault(faults);
    expect(outcome).toMatchObject({ ok: false, exposure, step, error: { code } });
    if (!outcome.ok) expect(outcome.error.message.length).toBeGreaterThan(40);
    if (exposure === 'sent-outcome-unknown' && !outcome.ok) expect(outcome.error.message).toMatch(/suspect/);
  });

  it('still verifies when the module boots slowly (ENTER is retried)', async () => {
    const { outcome } = await withFault({ slowBootMs: 250 });
    expect(outcome).toMatchObject({ ok: true, exposure: 'verified' });
  });

  it('verifies even when the EXIT answer is lost: the license is already in flash', async () => {
    const { outcome } = await withFault({ noAnswer: 'exit' });
    expect(outcome).toMatchObject({ ok: true, exposure: 'verified' });
  });

  it('overwrites an already authorized module only when a supervisor allows it', async () => {
    let existingMac: unknown = 'not called';
    const { outcome } = await burnWith(
      { faults: { alreadyAuthorized: true } },
      { allowReauthorize: true, beforeWrite: async (existing) => void (existingMac = existing.mac) },
    );
    // The module's identity before the write is the MAC it stores (READ_MAC's and QUERY_INFO's), after it the license's as written.
    expect(existingMac).toBe('A1B2C3D4E5F6');
    expect(outcome).toMatchObject({ ok: true, exposure: 'verified', module: { mac: license.mac } });
    expect((await fleet.readFlash(0))?.uuid).toBe(license.uuid);
  });

  it('reports the license already in the module when refusing it', async () => {
    const { outcome } = await withFault({ alreadyAuthorized: true });
    expect(outcome).toMatchObject({ ok: false, module: { uuid: 'simprevious00001' } });
    if (!outcome.ok) expect(outcome.error.message).toMatch(/supervisor/);
  });

  it('times out on a module bound to a user (it resets instead of answering ENTER)', async () => {
    const { outcome } = await burnWith({ flash: { boundToUser: true }, options: { boundResetMs: 20 } }, {}, license, true);
    expect(outcome).toMatchObject({ ok: false, exposure: 'nothing-sent', error: { code: 'TIMEOUT' } });
  });

  it.each<[string, LicenseToBurn]>([
    ['a 20-character uuid', { ...license, uuid: 'tuya1234abcd5678efgh' }],
    ['a 31-character authkey', { ...license, authkey: 'a'.repeat(31) }],
    ['a license without MAC', { ...license, mac: undefined }],
    ['a MAC that is not hex', { ...license, mac: 'DC234567890Z' }],
  ])('refuses %s without sending a byte', async (_name, lic) => {
    const { outcome, transport } = await burnWith({}, {}, lic);
    expect(outcome).toMatchObject({ ok: false, exposure: 'nothing-sent', error: { code: 'INVALID_LICENSE' } });
    expect(transport.written).toBe(0);
    expect((await fleet.readFlash(0))?.uuid).toBeNull();
  });

  it('refuses a license without pid, or with one over 16 characters, on PID firmware before the write', async () => {
    for (const pid of [undefined, 'p'.repeat(17)]) {
      const { outcome } = await burnWith({ variant: 'pid' }, {}, { ...license, pid });
      expect(outcome).toMatchObject({ ok: false, exposure: 'nothing-sent', error: { code: 'INVALID_LICENSE' } });
      expect((await fleet.readFlash(0))?.uuid).toBeNull();
    }
  });

  it('stops with nothing sent when the journal before the write fails', async () => {
    const { outcome } = await burnWith({}, { beforeWrite: async () => Promise.reject(new Error('disk full')) });
    expect(outcome).toMatchObject({ ok: false, exposure: 'nothing-sent', step: 'write', error: { code: 'CANCELED' } });
    expect((await fleet.readFlash(0))?.uuid).toBeNull();
  });

  it('has journaled before the first byte of the write frame reaches the module', async () => {
    let flashAtJournal: unknown = 'not called';
    let existingMac: unknown = 'not called';
    const { outcome } = await burnWith(
      {},
      { beforeWrite: async (existing) => void ((existingMac = existing.mac), (flashAtJournal = (await fleet.readFlash(0))?.uuid)) },
    );
    expect(outcome.ok).toBe(true);
    expect(flashAtJournal).toBeNull();
    // A fresh module stores no MAC yet: its identity is the license's MAC once written.
    expect(existingMac).toBeNull();
  });
});

describe('tuya-auc reads over a real pty', () => {
  let transport: Transport;
  let driver: TuyaAucDriver;
  beforeAll(async () => {
    const port = (await fleet.ports())[1]!;
    await fleet.swap(1, {
      flash: { uuid: license.uuid, authkey: license.authkey, mac: license.mac, firmName: 'tuya_ble_sdk_app', firmVer: '2.1' },
    });
    transport = new SerialTransport(port.hostPath, { baudRate: 115200 });
    await transport.open();
    driver = new TuyaAucDriver(transport, { timeouts });
  });
  afterAll(async () => {
    await transport?.close();
  });

  it('detects a module, reads its MAC in written order and its firmware fingerprint', async () => {
    expect(await driver.detect({ timeoutMs: 300 })).toBe(true);
    expect(await driver.readMac()).toBe(license.mac);
    expect(await driver.queryFingerprint()).toEqual({ name: 'tuya_ble_sdk_app', version: '2.1' });
  });

  it('reads the identity of a burned module (how a supervisor resolves a suspect)', async () => {
    expect(await driver.readIdentity()).toMatchObject({
      uuid: license.uuid,
      authkey: license.authkey,
      mac: license.mac,
      firmware: { name: 'tuya_ble_sdk_app', version: '2.1' },
    });
  });

  it('detects no module on a silent port', async () => {
    await fleet.swap(1, { faults: { noAnswer: 'any' } });
    expect(await driver.detect({ timeoutMs: 100 })).toBe(false);
  });
});
