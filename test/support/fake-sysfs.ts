import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

/**
 * A fake machine for discovery tests: a sysfs tree shaped like Linux's (class
 * links, device links, USB device directories with idVendor/idProduct/serial)
 * and a /dev with placeholder nodes, in a temp dir.
 */
export interface UsbSerialSpec {
  tty: string;
  /** USB port chain, e.g. "1-2" or "1-1.4". */
  usbPort: string;
  vid: string;
  pid: string;
  serial?: string;
  manufacturer?: string;
  product?: string;
  iface?: number;
  driver?: string;
  /** CDC-ACM devices hang the tty off the interface; usb-serial ones add a port device in between. */
  acm?: boolean;
  /** The /dev node links here (a virtual module's pty, so the "programmer" can be opened); default: an empty placeholder file. */
  devLink?: string;
}

export class FakeMachine {
  readonly sysRoot: string;
  readonly devRoot: string;

  private constructor(readonly root: string) {
    this.sysRoot = join(root, 'sys');
    this.devRoot = join(root, 'dev');
    mkdirSync(join(this.sysRoot, 'class', 'tty'), { recursive: true });
    mkdirSync(join(this.sysRoot, 'bus', 'usb-serial', 'drivers'), { recursive: true });
    mkdirSync(join(this.sysRoot, 'bus', 'serial-base'), { recursive: true });
    mkdirSync(this.devRoot, { recursive: true });
  }

  static create(options: { usbBus?: boolean } = {}): FakeMachine {
    const m = new FakeMachine(mkdtempSync(join(tmpdir(), 'cs-fake-sys-')));
    if (options.usbBus ?? true) mkdirSync(join(m.sysRoot, 'bus', 'usb', 'devices'), { recursive: true });
    return m;
  }

  plugUsbSerial(spec: UsbSerialSpec): void {
    const bus = spec.usbPort.split('-')[0]!;
    const usbDev = join(this.sysRoot, 'devices', 'pci0000:00', '0000:00:14.0', `usb${bus}`, spec.usbPort);
    mkdirSync(usbDev, { recursive: true });
    writeFileSync(join(usbDev, 'idVendor'), `${spec.vid}\n`);
    writeFileSync(join(usbDev, 'idProduct'), `${spec.pid}\n`);
    if (spec.serial !== undefined) writeFileSync(join(usbDev, 'serial'), `${spec.serial}\n`);
    if (spec.manufacturer !== undefined) writeFileSync(join(usbDev, 'manufacturer'), `${spec.manufacturer}\n`);
    if (spec.product !== undefined) writeFileSync(join(usbDev, 'product'), `${spec.product}\n`);
    this.link(join(this.sysRoot, 'bus', 'usb', 'devices', spec.usbPort), usbDev);

    const iface = spec.iface ?? 0;
    const ifaceDir = join(usbDev, `${spec.usbPort}:1.${iface}`);
    mkdirSync(ifaceDir, { recursive: true });
    writeFileSync(join(ifaceDir, 'bInterfaceNumber'), `${iface.toString(16).padStart(2, '0')}\n`);

    let deviceDir: string;
    if (spec.acm) {
      deviceDir = ifaceDir;
      this.driverLink(ifaceDir, spec.driver ?? 'cdc_acm');
    } else {
      deviceDir = join(ifaceDir, spec.tty);
      mkdirSync(deviceDir, { recursive: true });
      this.driverLink(deviceDir, spec.driver ?? 'ch341-uart');
    }
    const ttyDir = join(deviceDir, 'tty', spec.tty);
    mkdirSync(ttyDir, { recursive: true });
    this.link(join(ttyDir, 'device'), deviceDir);
    this.link(join(this.sysRoot, 'class', 'tty', spec.tty), ttyDir);
    rmSync(join(this.devRoot, spec.tty), { force: true });
    if (spec.devLink !== undefined) symlinkSync(spec.devLink, join(this.devRoot, spec.tty));
    else writeFileSync(join(this.devRoot, spec.tty), '');
  }

  /** An on-board UART; uart type 0 is the kernel's "no UART here" placeholder. */
  addUart(tty: string, options: { type?: number; platformPlaceholder?: boolean } = {}): void {
    const deviceDir = options.platformPlaceholder
      ? join(this.sysRoot, 'devices', 'platform', 'serial8250', `serial8250:0.${tty.slice(4)}`)
      : join(this.sysRoot, 'devices', 'pnp0', '00:00', '00:00:0', `00:00:0.${tty.slice(4)}`);
    mkdirSync(deviceDir, { recursive: true });
    this.link(join(deviceDir, 'subsystem'), join(this.sysRoot, 'bus', 'serial-base'));
    const ttyDir = join(deviceDir, 'tty', tty);
    mkdirSync(ttyDir, { recursive: true });
    writeFileSync(join(ttyDir, 'type'), `${options.type ?? 4}\n`);
    this.link(join(ttyDir, 'device'), deviceDir);
    this.link(join(this.sysRoot, 'class', 'tty', tty), ttyDir);
    writeFileSync(join(this.devRoot, tty), '');
  }

  /** A kernel-virtual tty (tty0, console): no device link. */
  addVirtualTty(tty: string): void {
    const ttyDir = join(this.sysRoot, 'devices', 'virtual', 'tty', tty);
    mkdirSync(ttyDir, { recursive: true });
    this.link(join(this.sysRoot, 'class', 'tty', tty), ttyDir);
    writeFileSync(join(this.devRoot, tty), '');
  }

  /** Pulls the USB device out: its directory, class links and /dev nodes go away. */
  unplug(usbPort: string, ttys: string[]): void {
    const bus = usbPort.split('-')[0]!;
    rmSync(join(this.sysRoot, 'devices', 'pci0000:00', '0000:00:14.0', `usb${bus}`, usbPort), { recursive: true, force: true });
    rmSync(join(this.sysRoot, 'bus', 'usb', 'devices', usbPort), { force: true });
    for (const tty of ttys) {
      rmSync(join(this.sysRoot, 'class', 'tty', tty), { force: true });
      rmSync(join(this.devRoot, tty), { force: true });
    }
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  private driverLink(dir: string, driver: string): void {
    const driverDir = join(this.sysRoot, 'bus', 'usb-serial', 'drivers', driver);
    mkdirSync(driverDir, { recursive: true });
    this.link(join(dir, 'driver'), driverDir);
  }

  /** Relative links, as sysfs has them, so the tree can live anywhere. */
  private link(at: string, target: string): void {
    mkdirSync(dirname(at), { recursive: true });
    rmSync(at, { force: true });
    symlinkSync(relative(dirname(at), target), at);
  }
}
