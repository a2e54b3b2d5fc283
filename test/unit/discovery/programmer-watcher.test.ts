import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiscoveredPort } from '../../../native/transport/discovery';
import { keyPorts, ProgrammerWatcher, programmerKey, type TrackedPort } from '../../../native/transport/programmer-watcher';
import { listUsbDevices, usbHotplug, type HotplugSource } from '../../../native/transport/usb';
import { FakeMachine } from '../../support/fake-sysfs';

/** A hotplug source the test fires by hand, like the kernel would. */
function manualHotplug(): HotplugSource & { fire(): void; stopped: boolean } {
  let listener: (() => void) | null = null;
  const source = {
    stopped: false,
    async start(onChange: () => void) {
      listener = onChange;
      return async () => {
        source.stopped = true;
        listener = null;
      };
    },
    fire() {
      listener?.();
    },
  };
  return source;
}

function recordEvents(watcher: ProgrammerWatcher) {
  const events: string[] = [];
  watcher.on('attach', (t: TrackedPort) => events.push(`attach ${t.key} ${t.path.split('/').pop()}`));
  watcher.on('detach', (d) => events.push(`detach ${d.key} ${d.path.split('/').pop()}`));
  return events;
}

const nextEvent = (watcher: ProgrammerWatcher, name: 'attach' | 'detach') => new Promise((resolve) => watcher.once(name, resolve));

describe('programmer keys', () => {
  const usbPort = (extra: Partial<DiscoveredPort>): DiscoveredPort => ({
    path: '/dev/ttyUSB0',
    kind: 'usb',
    vendorId: '10c4',
    productId: 'ea60',
    usbPortPath: '1-2',
    usbInterface: 0,
    sources: ['sysfs'],
    ...extra,
  });

  it('uses vid:pid:serial when there is a serial number, else the USB socket, else the path', () => {
    expect(programmerKey(usbPort({ serialNumber: '0001A2B3' }))).toBe('10c4:ea60:0001A2B3');
    expect(programmerKey(usbPort({}))).toBe('usb-port:1-2');
    expect(programmerKey(usbPort({ serialNumber: 'FT4XY', usbInterface: 1 }))).toBe('10c4:ea60:FT4XY#1');
    expect(programmerKey({ path: '/tmp/fleet/slot-1-host', kind: 'virtual', sources: ['given'] })).toBe('tty:/tmp/fleet/slot-1-host');
  });

  it('falls back to the USB socket when two programmers share a serial number, and says so', () => {
    const warnings: string[] = [];
    const keys = keyPorts(
      [
        usbPort({ serialNumber: '0001', usbPortPath: '1-2' }),
        usbPort({ path: '/dev/ttyUSB1', serialNumber: '0001', usbPortPath: '1-3' }),
        usbPort({ path: '/dev/ttyUSB2', serialNumber: 'A9', usbPortPath: '1-4' }),
      ],
      warnings,
    );
    expect(keys.map((k) => k.key)).toEqual(['usb-port:1-2', 'usb-port:1-3', '10c4:ea60:A9']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/same serial number .*10c4:ea60:0001/);
  });
});

describe('ProgrammerWatcher over a fake sysfs', () => {
  let machine: FakeMachine | undefined;
  let watcher: ProgrammerWatcher | undefined;
  afterEach(async () => {
    await watcher?.stop();
    machine?.cleanup();
    watcher = machine = undefined;
  });

  it('keeps a programmer key when a replug moves it from ttyUSB0 to ttyUSB1', async () => {
    machine = FakeMachine.create();
    machine.plugUsbSerial({ tty: 'ttyUSB0', usbPort: '1-2', vid: '10c4', pid: 'ea60', serial: 'SLOT3', driver: 'cp210x' });
    const hotplug = manualHotplug();
    watcher = new ProgrammerWatcher({ sysRoot: machine.sysRoot, devRoot: machine.devRoot, udev: 'off', hotplug, settleMs: 1 });
    const events = recordEvents(watcher);
    expect(await watcher.start()).toMatchObject({ usbBus: true, hotplug: true });
    expect(watcher.resolve('10c4:ea60:SLOT3')).toBe(join(machine.devRoot, 'ttyUSB0'));

    // Unplug: the kernel removes the device; the hotplug event makes the watcher rescan.
    machine.unplug('1-2', ['ttyUSB0']);
    const detached = nextEvent(watcher, 'detach');
    hotplug.fire();
    await detached;
    expect(watcher.resolve('10c4:ea60:SLOT3')).toBeUndefined();

    // Meanwhile another programmer took ttyUSB0; ours comes back in another socket as ttyUSB1.
    machine.plugUsbSerial({ tty: 'ttyUSB0', usbPort: '1-4', vid: '1a86', pid: '7523' });
    machine.plugUsbSerial({ tty: 'ttyUSB1', usbPort: '1-3', vid: '10c4', pid: 'ea60', serial: 'SLOT3', driver: 'cp210x' });
    const attached = nextEvent(watcher, 'attach');
    hotplug.fire();
    hotplug.fire();
    await attached;
    await watcher.rescan();

    expect(watcher.resolve('10c4:ea60:SLOT3')).toBe(join(machine.devRoot, 'ttyUSB1'));
    expect(watcher.resolve('usb-port:1-4')).toBe(join(machine.devRoot, 'ttyUSB0'));
    expect(events).toEqual([
      'attach 10c4:ea60:SLOT3 ttyUSB0',
      'detach 10c4:ea60:SLOT3 ttyUSB0',
      'attach usb-port:1-4 ttyUSB0',
      'attach 10c4:ea60:SLOT3 ttyUSB1',
    ]);
  });

  it('emits detach then attach when a programmer moves between two scans', async () => {
    machine = FakeMachine.create();
    machine.plugUsbSerial({ tty: 'ttyUSB0', usbPort: '1-2', vid: '0403', pid: '6001', serial: 'A10KZ', driver: 'ftdi_sio' });
    watcher = new ProgrammerWatcher({ sysRoot: machine.sysRoot, devRoot: machine.devRoot, udev: 'off', hotplug: 'off', pollMs: 0 });
    const events = recordEvents(watcher);
    await watcher.start();
    machine.unplug('1-2', ['ttyUSB0']);
    machine.plugUsbSerial({ tty: 'ttyUSB1', usbPort: '1-2', vid: '0403', pid: '6001', serial: 'A10KZ', driver: 'ftdi_sio' });
    await watcher.rescan();
    expect(events).toEqual(['attach 0403:6001:A10KZ ttyUSB0', 'detach 0403:6001:A10KZ ttyUSB0', 'attach 0403:6001:A10KZ ttyUSB1']);
    expect(watcher.list().map((t) => [t.key, t.port.programmer?.model])).toEqual([['0403:6001:A10KZ', 'ft232r']]);
  });

  it('follows a serial-less CH340 by its USB socket', async () => {
    machine = FakeMachine.create();
    machine.plugUsbSerial({ tty: 'ttyUSB0', usbPort: '1-1.2', vid: '1a86', pid: '7523' });
    machine.plugUsbSerial({ tty: 'ttyUSB1', usbPort: '1-1.3', vid: '1a86', pid: '7523' });
    watcher = new ProgrammerWatcher({ sysRoot: machine.sysRoot, devRoot: machine.devRoot, udev: 'off', hotplug: 'off' });
    await watcher.start();
    // Both replugged into the same sockets but enumerated in the other order.
    machine.unplug('1-1.2', ['ttyUSB0']);
    machine.unplug('1-1.3', ['ttyUSB1']);
    machine.plugUsbSerial({ tty: 'ttyUSB0', usbPort: '1-1.3', vid: '1a86', pid: '7523' });
    machine.plugUsbSerial({ tty: 'ttyUSB1', usbPort: '1-1.2', vid: '1a86', pid: '7523' });
    await watcher.rescan();
    expect(watcher.resolve('usb-port:1-1.2')).toBe(join(machine.devRoot, 'ttyUSB1'));
    expect(watcher.resolve('usb-port:1-1.3')).toBe(join(machine.devRoot, 'ttyUSB0'));
  });

  it('runs without a USB bus: one warning, no hotplug, serial ports still tracked', async () => {
    machine = FakeMachine.create({ usbBus: false });
    machine.addUart('ttyS0');
    const hotplug = manualHotplug();
    watcher = new ProgrammerWatcher({ sysRoot: machine.sysRoot, devRoot: machine.devRoot, udev: 'off', hotplug });
    const warnings: string[] = [];
    watcher.on('warning', (w) => warnings.push(w));
    const started = await watcher.start();
    await watcher.rescan();
    expect(started).toMatchObject({ usbBus: false, hotplug: false });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/no USB bus/);
    expect(watcher.list().map((t) => t.key)).toEqual([`tty:${join(machine.devRoot, 'ttyS0')}`]);
  });

  it('carries on with polling when the hotplug source fails to start', async () => {
    machine = FakeMachine.create();
    const failing: HotplugSource = { start: () => Promise.reject(new Error('netlink socket refused')) };
    watcher = new ProgrammerWatcher({ sysRoot: machine.sysRoot, devRoot: machine.devRoot, udev: 'off', hotplug: failing, pollMs: 5 });
    const started = await watcher.start();
    expect(started.hotplug).toBe(false);
    expect(started.warnings.join('\n')).toMatch(/hotplug events are unavailable \(netlink socket refused\)/);
    machine.plugUsbSerial({ tty: 'ttyACM0', usbPort: '3-1', vid: '2e8a', pid: '000a', serial: 'PICO1', acm: true });
    const attached = (await nextEvent(watcher, 'attach')) as TrackedPort;
    expect(attached.key).toBe('2e8a:000a:PICO1');
  });

  it('stops the hotplug source on stop()', async () => {
    machine = FakeMachine.create();
    const hotplug = manualHotplug();
    watcher = new ProgrammerWatcher({ sysRoot: machine.sysRoot, devRoot: machine.devRoot, udev: 'off', hotplug });
    await watcher.start();
    await watcher.stop();
    expect(hotplug.stopped).toBe(true);
  });
});

describe('usb package on a machine without a USB bus', () => {
  it('listUsbDevices says there is no bus without loading the native module', async () => {
    const machine = FakeMachine.create({ usbBus: false });
    try {
      let loaded = false;
      const result = await listUsbDevices({
        sysRoot: machine.sysRoot,
        load: async () => ((loaded = true), Promise.reject(new Error('not expected'))),
      });
      expect(result).toMatchObject({ devices: [], usbBus: false });
      expect(result.warnings[0]).toMatch(/no USB bus/);
      expect(loaded).toBe(false);
    } finally {
      machine.cleanup();
    }
  });

  it('listUsbDevices maps native devices and turns a native failure into a warning', async () => {
    const machine = FakeMachine.create();
    try {
      const device = {
        vendorId: 0x1a86,
        productId: 0x55d4,
        bus: '1',
        ports: [2, 3],
        serialNumber: '5434',
        manufacturerName: null,
        productName: 'USB Single Serial',
      };
      const ok = await listUsbDevices({
        sysRoot: machine.sysRoot,
        load: async () => ({ nativeGetDevices: async () => [device], Emitter: class {} as never }),
      });
      expect(ok.devices).toEqual([
        {
          vendorId: '1a86',
          productId: '55d4',
          serialNumber: '5434',
          manufacturer: undefined,
          product: 'USB Single Serial',
          portPath: '1-2.3',
          programmer: { model: 'ch9102', name: 'WCH CH9102' },
        },
      ]);
      const bad = await listUsbDevices({
        sysRoot: machine.sysRoot,
        load: async () => ({
          nativeGetDevices: () => Promise.reject(new Error('getDevices error: permission')),
          Emitter: class {} as never,
        }),
      });
      expect(bad.devices).toEqual([]);
      expect(bad.warnings[0]).toMatch(/Could not list USB devices \(getDevices error: permission\)/);
    } finally {
      machine.cleanup();
    }
  });

  it('usbHotplug refuses to start without a bus', async () => {
    const machine = FakeMachine.create({ usbBus: false });
    try {
      await expect(usbHotplug({ sysRoot: machine.sysRoot }).start(() => undefined)).rejects.toThrow(/no USB bus/);
    } finally {
      machine.cleanup();
    }
  });
});
