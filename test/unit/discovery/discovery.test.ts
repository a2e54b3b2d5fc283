import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverPorts } from '../../../native/transport/discovery';
import { FakeMachine } from '../../support/fake-sysfs';

describe('port discovery from sysfs and /dev', () => {
  let machine: FakeMachine | undefined;
  afterEach(() => {
    machine?.cleanup();
    machine = undefined;
  });

  function typicalJig(): FakeMachine {
    const m = FakeMachine.create();
    m.plugUsbSerial({ tty: 'ttyUSB0', usbPort: '1-2', vid: '1a86', pid: '7523', product: 'USB Serial', driver: 'ch341-uart' });
    m.plugUsbSerial({
      tty: 'ttyUSB1',
      usbPort: '1-1.4',
      vid: '10c4',
      pid: 'ea60',
      serial: '0001A2B3',
      manufacturer: 'Silicon Labs',
      product: 'CP2102 USB to UART Bridge Controller',
      driver: 'cp210x',
    });
    m.plugUsbSerial({
      tty: 'ttyACM0',
      usbPort: '2-1',
      vid: '2e8a',
      pid: '000a',
      serial: 'E6614C311B',
      manufacturer: 'Raspberry Pi',
      product: 'Pico',
      acm: true,
    });
    m.addUart('ttyS0', { type: 4 });
    m.addUart('ttyS1', { type: 0, platformPlaceholder: true });
    m.addVirtualTty('tty0');
    m.addVirtualTty('console');
    return m;
  }

  it('parses VID, PID, serial, manufacturer and product of each USB tty', async () => {
    machine = typicalJig();
    const result = await discoverPorts({ sysRoot: machine.sysRoot, devRoot: machine.devRoot, udev: 'off' });
    const byPath = Object.fromEntries(result.ports.map((p) => [p.path, p]));

    expect(byPath[join(machine.devRoot, 'ttyUSB0')]).toMatchObject({
      kind: 'usb',
      vendorId: '1a86',
      productId: '7523',
      product: 'USB Serial',
      usbPortPath: '1-2',
      usbInterface: 0,
      driver: 'ch341-uart',
      programmer: { model: 'ch340', name: 'WCH CH340' },
    });
    expect(byPath[join(machine.devRoot, 'ttyUSB0')]!.serialNumber).toBeUndefined();
    expect(byPath[join(machine.devRoot, 'ttyUSB1')]).toMatchObject({
      kind: 'usb',
      vendorId: '10c4',
      productId: 'ea60',
      serialNumber: '0001A2B3',
      manufacturer: 'Silicon Labs',
      usbPortPath: '1-1.4',
      driver: 'cp210x',
      programmer: { model: 'cp210x' },
    });
    expect(byPath[join(machine.devRoot, 'ttyACM0')]).toMatchObject({
      kind: 'usb',
      vendorId: '2e8a',
      productId: '000a',
      serialNumber: 'E6614C311B',
      manufacturer: 'Raspberry Pi',
      driver: 'cdc_acm',
    });
    expect(byPath[join(machine.devRoot, 'ttyACM0')]!.programmer).toBeUndefined();
    expect(result.usbBus).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it('lists a real on-board UART without USB fields and leaves out placeholders and virtual consoles', async () => {
    machine = typicalJig();
    const result = await discoverPorts({ sysRoot: machine.sysRoot, devRoot: machine.devRoot, udev: 'off' });
    const paths = result.ports.map((p) => p.path.slice(machine!.devRoot.length + 1));
    expect(paths).toEqual(['ttyACM0', 'ttyS0', 'ttyUSB0', 'ttyUSB1']);
    const uart = result.ports.find((p) => p.path.endsWith('ttyS0'))!;
    expect(uart).toMatchObject({ kind: 'serial', sources: ['sysfs'] });
    expect(uart.vendorId).toBeUndefined();
  });

  it('keeps the two interfaces of a dual-port FTDI apart', async () => {
    machine = FakeMachine.create();
    machine.plugUsbSerial({ tty: 'ttyUSB0', usbPort: '1-3', vid: '0403', pid: '6010', serial: 'FT4XY', iface: 0, driver: 'ftdi_sio' });
    machine.plugUsbSerial({ tty: 'ttyUSB1', usbPort: '1-3', vid: '0403', pid: '6010', serial: 'FT4XY', iface: 1, driver: 'ftdi_sio' });
    const { ports } = await discoverPorts({ sysRoot: machine.sysRoot, devRoot: machine.devRoot, udev: 'off' });
    expect(ports.map((p) => [p.usbInterface, p.serialNumber, p.programmer?.model])).toEqual([
      [0, 'FT4XY', 'ft2232'],
      [1, 'FT4XY', 'ft2232'],
    ]);
  });

  it('says so when there is no USB bus and still lists the UARTs', async () => {
    machine = FakeMachine.create({ usbBus: false });
    machine.addUart('ttyS0');
    const result = await discoverPorts({ sysRoot: machine.sysRoot, devRoot: machine.devRoot, udev: 'off' });
    expect(result.usbBus).toBe(false);
    expect(result.warnings.join('\n')).toMatch(/no USB bus/);
    expect(result.ports.map((p) => p.kind)).toEqual(['serial']);
  });

  it('turns an unreadable sysfs into a warning and falls back to /dev names', async () => {
    machine = FakeMachine.create();
    writeFileSync(join(machine.devRoot, 'ttyUSB7'), '');
    writeFileSync(join(machine.devRoot, 'ttyS5'), '');
    const result = await discoverPorts({ sysRoot: join(machine.root, 'no-sys'), devRoot: machine.devRoot, udev: 'off' });
    expect(result.ports.map((p) => [p.path.slice(machine!.devRoot.length + 1), p.kind, p.sources])).toEqual([
      ['ttyUSB7', 'unknown', ['dev']],
    ]);
    expect(result.warnings.some((w) => /Could not read .*class\/tty.*does not exist/.test(w))).toBe(true);
  });

  it('skips a tty whose /dev node is missing, with a warning naming it', async () => {
    machine = typicalJig();
    rmSync(join(machine.devRoot, 'ttyUSB1'));
    const result = await discoverPorts({ sysRoot: machine.sysRoot, devRoot: machine.devRoot, udev: 'off' });
    expect(result.ports.some((p) => p.path.endsWith('ttyUSB1'))).toBe(false);
    expect(result.warnings.join('\n')).toMatch(/ttyUSB1 is known to the kernel but .*ttyUSB1 is missing/);
  });

  it('warns about a given port that does not exist or is not a device, and lists nothing for it', async () => {
    machine = typicalJig();
    const plainFile = join(machine.root, 'not-a-port');
    writeFileSync(plainFile, '');
    const result = await discoverPorts({
      sysRoot: machine.sysRoot,
      devRoot: machine.devRoot,
      udev: 'off',
      extraPaths: [join(machine.root, 'gone-host'), plainFile],
    });
    expect(result.ports.some((p) => p.kind === 'virtual')).toBe(false);
    expect(result.warnings.some((w) => w.includes('gone-host') && /does not exist/.test(w))).toBe(true);
    expect(result.warnings.some((w) => w.includes('not-a-port') && /not a serial device/.test(w))).toBe(true);
  });

  it('warns about an unreadable virtual module directory', async () => {
    machine = typicalJig();
    const result = await discoverPorts({
      sysRoot: machine.sysRoot,
      devRoot: machine.devRoot,
      udev: 'off',
      virtualDirs: [join(machine.root, 'no-fleet')],
    });
    expect(result.warnings.join('\n')).toMatch(/virtual module directory .*no-fleet/);
  });

  it('fills fields sysfs left empty from udev, without overriding sysfs', async () => {
    machine = typicalJig();
    const ttyUSB0 = join(machine.devRoot, 'ttyUSB0');
    const result = await discoverPorts({
      sysRoot: machine.sysRoot,
      devRoot: machine.devRoot,
      udev: async () => [
        { path: ttyUSB0, serialNumber: 'FROM-UDEV', manufacturer: 'QinHeng Electronics', vendorId: '9999' },
        { path: '/dev/ttyXRUSB0', vendorId: '04E2', productId: '1410' },
      ],
    });
    expect(result.udevUsed).toBe(true);
    expect(result.ports.find((p) => p.path === ttyUSB0)).toMatchObject({
      vendorId: '1a86',
      serialNumber: 'FROM-UDEV',
      manufacturer: 'QinHeng Electronics',
      sources: ['sysfs', 'dev', 'udev'],
    });
    expect(result.ports.find((p) => p.path === '/dev/ttyXRUSB0')).toMatchObject({
      kind: 'usb',
      vendorId: '04e2',
      productId: '1410',
      sources: ['udev'],
    });
  });

  it('gives up on a udev that never answers, with a warning, and still lists sysfs ports', async () => {
    machine = typicalJig();
    const result = await discoverPorts({
      sysRoot: machine.sysRoot,
      devRoot: machine.devRoot,
      udev: () => new Promise(() => undefined),
      udevTimeoutMs: 20,
    });
    expect(result.udevUsed).toBe(false);
    expect(result.warnings.join('\n')).toMatch(/udev did not answer within 20 ms/);
    expect(result.ports).toHaveLength(4);
  });

  it('turns a failing udev into a warning (udevadm missing)', async () => {
    machine = typicalJig();
    const enoent = Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT', syscall: 'spawn udevadm', path: 'udevadm' });
    const result = await discoverPorts({ sysRoot: machine.sysRoot, devRoot: machine.devRoot, udev: () => Promise.reject(enoent) });
    expect(result.warnings.join('\n')).toMatch(/udev could not list ports \(udevadm is not installed\)/);
    expect(result.ports).toHaveLength(4);
  });

  it('survives a udev list that throws synchronously', async () => {
    machine = typicalJig();
    const result = await discoverPorts({
      sysRoot: machine.sysRoot,
      devRoot: machine.devRoot,
      udev: () => {
        throw new Error('binding failed to load');
      },
    });
    expect(result.warnings.join('\n')).toMatch(/binding failed to load/);
    expect(result.ports).toHaveLength(4);
  });

  it('ignores a broken class link but lists the others', async () => {
    machine = typicalJig();
    mkdirSync(join(machine.sysRoot, 'class', 'tty'), { recursive: true });
    symlinkSync('../../devices/nowhere/ttyUSB5', join(machine.sysRoot, 'class', 'tty', 'ttyUSB5'));
    const result = await discoverPorts({ sysRoot: machine.sysRoot, devRoot: machine.devRoot, udev: 'off' });
    expect(result.ports).toHaveLength(4);
    expect(result.warnings.join('\n')).toMatch(/Skipped ttyUSB5/);
  });
});
