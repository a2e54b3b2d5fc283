import { afterEach, describe, expect, it } from 'vitest';
import { MemoryTransport } from '../../../native/transport/memory';
import { VirtualModule } from '../../../native/sim/module';
import { personality } from '../../../native/protocols/tuya-auc/personality';
import { TuyaAucDriver } from '../../../native/protocols/tuya-auc/driver';
import { AucCommand } from '../../../native/protocols/tuya-auc/codec';

// A tuya-auc driver names only what it recognises: an exception of its own making is DRIVER_INTERNAL, not an unplug.
const license = { uuid: 'tuya1234abcd5678', authkey: '0123456789abcdefABCDEF0123456789', mac: 'DC2345678901' };
let modules: VirtualModule[] = [];
afterEach(async () => {
  await Promise.all(modules.map((m) => m.stop()));
  modules = [];
});

describe('tuya-auc driver failures it does not recognise', () => {
  it.each([
    ['QUERY_INFO', AucCommand.QUERY_INFO, 'nothing-sent', 'check'],
    ['WRITE_AUTH_INFO', AucCommand.WRITE_AUTH_INFO, 'sent-outcome-unknown', 'write'],
  ])('an exception while sending %s is DRIVER_INTERNAL (%s at %s)', async (_name, command, exposure, step) => {
    const [host, wire] = MemoryTransport.pair('host', 'module');
    await host.open();
    modules.push(
      await VirtualModule.start({ id: 'm', path: 'module', protocol: 'tuya-auc', personality, transport: wire, timing: { zero: true } }),
    );
    const write = host.write.bind(host);
    host.write = async (data: Uint8Array) => {
      if (data[3] === command) throw new TypeError('cannot read properties of undefined');
      return write(data);
    };
    const outcome = await new TuyaAucDriver(host, { timeouts: { query: 100, write: 100 } }).burn(license);
    expect(outcome).toMatchObject({ ok: false, exposure, step, error: { code: 'DRIVER_INTERNAL' } });
    expect(outcome.ok ? '' : outcome.error.message).toMatch(/internal error.*supervisor/);
  });

  it('still calls a lost port DISCONNECTED', async () => {
    const [host, wire] = MemoryTransport.pair('host', 'module');
    await host.open();
    modules.push(
      await VirtualModule.start({ id: 'm', path: 'module', protocol: 'tuya-auc', personality, transport: wire, timing: { zero: true } }),
    );
    host.onWrite = (data) => {
      if (data[3] === AucCommand.WRITE_AUTH_INFO) host.unplug();
    };
    const outcome = await new TuyaAucDriver(host).burn(license);
    expect(outcome).toMatchObject({ ok: false, exposure: 'sent-outcome-unknown', error: { code: 'DISCONNECTED' } });
  });
});
