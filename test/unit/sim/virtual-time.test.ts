import { afterEach, describe, expect, it } from 'vitest';
import { MemoryTransport } from '../../../native/transport/memory';
import { ManualClock } from '../../../native/sim/manual-clock';
import { VirtualModule, byteTimeMs } from '../../../native/sim/module';
import { personality } from '../../../native/protocols/tuya-auc/personality';
import { AucCommand, AucDecoder, encodeAuthInfo, encodeFrame } from '../../../native/protocols/tuya-auc/codec';
import type { SimTiming } from '../../../native/sim/types';

// The virtual module on a clock the test moves: when each answer leaves is exact, and a minute of firmware time takes no wall time.
const license = { authkey: 'k'.repeat(32), uuid: 'tuya1234abcd5678', mac: 'DC2345678901' };
let modules: VirtualModule[] = [];
afterEach(async () => {
  await Promise.all(modules.map((m) => m.stop()));
  modules = [];
});

async function start(timing: Partial<SimTiming>) {
  const clock = new ManualClock();
  const [host, wire] = MemoryTransport.pair('host', 'module');
  await host.open();
  modules.push(await VirtualModule.start({ id: 'm', path: 'module', protocol: 'tuya-auc', personality, transport: wire, timing, clock }));
  const decoder = new AucDecoder({ versions: [0] });
  let seen = 0;
  /** The answer frames the module has put on the wire since the last call, by command name. */
  const answers = (): number[] => {
    const fresh = wire.writes.slice(seen);
    seen = wire.writes.length;
    return fresh.flatMap((chunk) => decoder.push(chunk)).flatMap((e) => (e.kind === 'frame' ? [e.frame.command] : []));
  };
  const ask = (command: number, data?: Buffer) => host.write(encodeFrame(command, data));
  return { clock, answers, ask };
}

describe('virtual module on a manual clock', () => {
  it('answers ENTER exactly when 7 bytes in and 8 bytes out have crossed the wire at 9600 baud', async () => {
    const { clock, answers, ask } = await start({ baudRate: 9600 });
    const wire = 15 * byteTimeMs(9600);
    await ask(AucCommand.ENTER);
    await clock.advanceTo(wire - 0.001);
    expect(answers()).toEqual([]);
    await clock.advanceTo(wire + 0.001);
    expect(answers()).toEqual([AucCommand.ENTER]);
  });

  it('charges a write its flash time on top of the wire time', async () => {
    const { clock, answers, ask } = await start({ baudRate: 115200, flashWriteMs: 40 });
    const byte = byteTimeMs(115200);
    await ask(AucCommand.ENTER);
    await clock.advance(15 * byte + 0.001);
    expect(answers()).toEqual([AucCommand.ENTER]);
    const frame = encodeFrame(AucCommand.WRITE_AUTH_INFO, encodeAuthInfo(license));
    const answerBytes = encodeFrame(AucCommand.WRITE_AUTH_INFO, Buffer.from('{"ret":true}')).length;
    const done = clock.now() + (frame.length + answerBytes) * byte + 40;
    await ask(AucCommand.WRITE_AUTH_INFO, encodeAuthInfo(license));
    await clock.advanceTo(done - 0.001);
    expect(answers()).toEqual([]);
    expect(modules[0]!.flash().uuid).toBe(license.uuid);
    await clock.advanceTo(done + 0.001);
    expect(answers()).toEqual([AucCommand.WRITE_AUTH_INFO]);
  });

  it('resets 60 s after the first ENTER (the watchdog) and then ignores QUERY_INFO until ENTER again', async () => {
    const { clock, answers, ask } = await start({ baudRate: 115200 });
    await ask(AucCommand.ENTER);
    await clock.advanceTo(59_900);
    await ask(AucCommand.QUERY_INFO);
    await clock.advance(50);
    expect(answers()).toEqual([AucCommand.ENTER, AucCommand.QUERY_INFO]);
    await clock.advanceTo(60_100);
    await ask(AucCommand.QUERY_INFO);
    await clock.advance(50);
    expect(answers()).toEqual([]);
    await ask(AucCommand.ENTER);
    await ask(AucCommand.QUERY_INFO);
    await clock.advance(50);
    expect(answers()).toEqual([AucCommand.ENTER, AucCommand.QUERY_INFO]);
  });
});
