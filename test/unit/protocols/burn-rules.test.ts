import { afterEach, describe, expect, it } from 'vitest';
import { existingLicenseVerdict } from '../../../native/protocols/burn-rules';
import { TuyaAucDriver } from '../../../native/protocols/tuya-auc/driver';
import { AucCommand } from '../../../native/protocols/tuya-auc/codec';
import { VirtualModule } from '../../../native/sim/module';
import { personality } from '../../../native/protocols/tuya-auc/personality';
import { MemoryTransport } from '../../../native/transport/memory';

// "The module already holds a license" is decided once for every protocol (the tuyaopen-cli driver's tests cover its side).
const license = { uuid: 'tuya1234abcd5678', authkey: '0123456789abcdefABCDEF0123456789', mac: 'DC2345678901' };
const held = (uuid: string | null, authkey: string | null) => ({ uuid, authkey, mac: null });

describe('what a burn does with what the module holds', () => {
  it('writes on a blank module, verifies without writing when it holds this very license, refuses another unless re-authorization is allowed', () => {
    expect(existingLicenseVerdict(held(null, null), license)).toBe('write');
    expect(existingLicenseVerdict(held(license.uuid, license.authkey), license)).toBe('holds-this');
    expect(existingLicenseVerdict(held(license.uuid, license.authkey), license, true)).toBe('holds-this');
    expect(() => existingLicenseVerdict(held(license.uuid, 'x'.repeat(32)), license)).toThrow(
      expect.objectContaining({ code: 'ALREADY_AUTHORIZED', details: { uuid: license.uuid } }),
    );
    expect(() => existingLicenseVerdict(held('other00000000000', 'x'.repeat(32)), license)).toThrow(
      expect.objectContaining({ code: 'ALREADY_AUTHORIZED' }),
    );
    expect(existingLicenseVerdict(held('other00000000000', 'x'.repeat(32)), license, true)).toBe('write');
  });

  describe('tuya-auc', () => {
    let module: VirtualModule | undefined;
    afterEach(async () => {
      await module?.stop();
      module = undefined;
    });

    it('a module that holds this very license is verified with it, journaled first, and nothing is written', async () => {
      const [host, wire] = MemoryTransport.pair('host', 'module');
      await host.open();
      module = await VirtualModule.start({
        id: 'm',
        path: 'module',
        protocol: 'tuya-auc',
        personality,
        transport: wire,
        timing: { zero: true },
        flash: { uuid: license.uuid, authkey: license.authkey, mac: license.mac },
      });
      const journaled: (string | null)[] = [];
      const outcome = await new TuyaAucDriver(host).burn(license, { beforeWrite: async (existing) => void journaled.push(existing.uuid) });
      expect(outcome).toMatchObject({ ok: true, exposure: 'verified', module: { uuid: license.uuid, authkey: license.authkey } });
      expect(journaled).toEqual([license.uuid]);
      expect(host.writes.map((frame) => frame[3])).not.toContain(AucCommand.WRITE_AUTH_INFO);
    });
  });
});
