import { describe, expect, it } from 'vitest';
import { parseSlotSpec, parseStationArgs } from '../../../main/cli/station-args';

const bad = (argv: string[]) => {
  try {
    parseStationArgs(argv);
  } catch (e) {
    return (e as { code: string; message: string }).message;
  }
  throw new Error('accepted');
};

describe('station command arguments', () => {
  it('parses run with repeated slots and a count', () => {
    const args = parseStationArgs([
      'run',
      '--vault',
      'v.db',
      '--slot',
      'port=/dev/ttyUSB0,protocol=tuya-auc,group=g1',
      '--slot',
      'port=/dev/ttyUSB1,protocol=tuyaopen-cli,group=Plugs EU,baud=921600',
      '--count',
      '50',
      '--json',
    ]);
    expect(args).toEqual({
      vault: 'v.db',
      passphraseFile: undefined,
      json: true,
      cmd: {
        command: 'run',
        count: 50,
        slots: [
          { port: '/dev/ttyUSB0', protocol: 'tuya-auc', group: 'g1' },
          { port: '/dev/ttyUSB1', protocol: 'tuyaopen-cli', group: 'Plugs EU', baudRate: 921600 },
        ],
      },
    });
  });

  it('refuses a passphrase on the command line', () => {
    expect(bad(['groups', '--passphrase', 'secret'])).toMatch(/Do not put the passphrase on the command line/);
  });

  it('names what is wrong in a slot', () => {
    expect(() => parseSlotSpec('port=/dev/x,protocol=xmodem,group=g')).toThrow(/protocol must be tuya-auc or tuyaopen-cli/);
    expect(() => parseSlotSpec('protocol=tuya-auc,group=g')).toThrow(/names no port \(port=\/dev\/ttyUSB0\) or programmer/);
    expect(parseSlotSpec('programmer=10c4:ea60:JIG-A,protocol=tuya-auc,group=g,reset=on')).toEqual({
      programmer: '10c4:ea60:JIG-A',
      reset: true,
      protocol: 'tuya-auc',
      group: 'g',
    });
    expect(() => parseSlotSpec('programmer=10c4:ea60:A,port=/dev/x,protocol=tuya-auc,group=g')).toThrow(/either port or programmer/);
    expect(() => parseSlotSpec('port=/dev/x,protocol=tuya-auc,group=g,reset=on')).toThrow(/reset=on needs programmer/);
    expect(() =>
      parseStationArgs(['run', '--slot', 'programmer=k1,protocol=tuya-auc,group=g', '--slot', 'programmer=k1,protocol=tuya-auc,group=h']),
    ).toThrow(/Programmer k1 is given to two slots/);
    expect(() => parseSlotSpec('port=/dev/x,protocol=tuya-auc')).toThrow(/names no group/);
    expect(() => parseSlotSpec('port=/dev/x,protocol=tuya-auc,group=g,speed=3')).toThrow(/unknown key "speed"/);
    expect(() => parseSlotSpec('port=/dev/x,protocol=tuya-auc,group=g,baud=fast')).toThrow(/baud must be a whole number/);
  });

  it('refuses unknown commands, options that do not belong and missing values', () => {
    expect(bad(['burnall'])).toMatch(/Unknown command "burnall"/);
    expect(bad(['groups', '--count', '3'])).toMatch(/"groups" takes no --count/);
    expect(bad(['run'])).toMatch(/at least one --slot/);
    expect(bad(['run', '--slot', 'port=/x,protocol=tuya-auc,group=g', '--count', '0'])).toMatch(/--count must be a whole number from 1/);
    expect(bad(['import'])).toMatch(/"import" needs --file/);
    expect(bad(['resolve', '--uuid', 'u'])).toMatch(/needs --port/);
    expect(bad(['resolve', '--uuid', 'u', '--void'])).toMatch(/needs --reason/);
    expect(bad(['resolve', '--uuid', 'u', '--void', '--reason', 'x', '--port', '/p'])).toMatch(/either --port .* or --void/);
  });

  it('shows help for no command', () => {
    expect(parseStationArgs([]).cmd).toEqual({ command: 'help' });
  });
});
