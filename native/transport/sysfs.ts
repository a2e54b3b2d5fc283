import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative, isAbsolute } from 'node:path';

/**
 * What the kernel tells about serial ports through sysfs, without udev:
 * /sys/class/tty/<name>/device leads to the driver's device; its USB ancestor
 * (the directory holding idVendor/idProduct) carries the ids and strings.
 */
export interface SysfsTty {
  name: string;
  /** The resolved sysfs directory of the tty. */
  sysfsPath: string;
  /** 'usb' when a USB device is an ancestor, 'serial' for on-board UARTs, 'other' for the rest. */
  bus: 'usb' | 'serial' | 'other';
  driver?: string | undefined;
  usb?: SysfsUsbInfo | undefined;
}

/** What identifies a USB device, from sysfs or from the usb package. */
export interface UsbIdentity {
  vendorId: string;
  productId: string;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
  product?: string | undefined;
  /** The USB port chain, e.g. "1-2.3": stable for a physical socket. */
  portPath: string;
}

export interface SysfsUsbInfo extends UsbIdentity {
  /** The interface of a multi-port bridge (FT2232 has two); 0 for single-port ones. */
  interfaceNumber: number;
  /** The resolved sysfs directory of the USB device. */
  devicePath: string;
}

const ttyNamePattern = /^(ttyUSB|ttyACM|ttyS|ttyAMA|ttyCH343USB|ttyXRUSB|ttyTHS|ttymxc|ttyO)\d+$/;

/** True for the names of serial ports we list; tty0..63, console, ptmx are not. */
export function isSerialTtyName(name: string): boolean {
  return ttyNamePattern.test(name);
}

/**
 * Reads every serial tty under `<sysRoot>/class/tty`. Each unreadable entry
 * adds a plain-words note to `warnings` instead of failing the whole list.
 */
export function readSysfsTtys(sysRoot: string, warnings: string[]): SysfsTty[] {
  const classDir = join(sysRoot, 'class', 'tty');
  let names: string[];
  try {
    names = readdirSync(classDir);
  } catch (e) {
    warnings.push(`Could not read ${classDir} (${errorText(e)}): serial ports are listed from /dev only, without USB details.`);
    return [];
  }
  const ttys: SysfsTty[] = [];
  for (const name of names.sort(naturalCompare)) {
    if (!isSerialTtyName(name)) continue;
    try {
      const tty = readOneTty(sysRoot, join(classDir, name), name);
      if (tty) ttys.push(tty);
    } catch (e) {
      warnings.push(`Skipped ${name}: could not read its sysfs entry (${errorText(e)}).`);
    }
  }
  return ttys;
}

function readOneTty(sysRoot: string, entry: string, name: string): SysfsTty | undefined {
  const sysfsPath = realpathSync(entry);
  const deviceLink = join(sysfsPath, 'device');
  // Without a device link the tty is a kernel-virtual one, not a port.
  if (!existsSync(deviceLink)) return undefined;
  // 8250 placeholders (ttyS1..ttyS31 on most PCs) exist with uart type 0: no UART behind them.
  if (name.startsWith('ttyS') && readAttr(sysfsPath, 'type') === '0') return undefined;
  const device = realpathSync(deviceLink);
  const driver = linkName(join(device, 'driver'));
  const usb = findUsbAncestor(realpathSync(sysRoot), device);
  if (usb) return { name, sysfsPath, bus: 'usb', driver, usb };
  const subsystem = linkName(join(device, 'subsystem'));
  const bus = subsystem === 'serial-base' || subsystem === 'pnp' || subsystem === 'platform' || subsystem === 'amba' ? 'serial' : 'other';
  return { name, sysfsPath, bus, driver };
}

/** Walks up from a tty's device to the USB device directory (the one with idVendor). */
export function findUsbAncestor(sysRoot: string, start: string): SysfsUsbInfo | undefined {
  let dir = start;
  let interfaceNumber = 0;
  while (isInside(sysRoot, dir)) {
    const ifaceAttr = readAttr(dir, 'bInterfaceNumber');
    if (ifaceAttr !== undefined && /^[0-9a-fA-F]+$/.test(ifaceAttr)) interfaceNumber = parseInt(ifaceAttr, 16);
    const vendorId = readAttr(dir, 'idVendor');
    const productId = readAttr(dir, 'idProduct');
    if (vendorId && productId) {
      return {
        vendorId: vendorId.toLowerCase(),
        productId: productId.toLowerCase(),
        serialNumber: readAttr(dir, 'serial') || undefined,
        manufacturer: readAttr(dir, 'manufacturer') || undefined,
        product: readAttr(dir, 'product') || undefined,
        portPath: basename(dir),
        interfaceNumber,
        devicePath: dir,
      };
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** Whether the machine has a USB bus at all (sysfs lists its devices). */
export function hasUsbBus(sysRoot: string): boolean {
  return existsSync(join(sysRoot, 'bus', 'usb', 'devices'));
}

function readAttr(dir: string, name: string): string | undefined {
  try {
    return readFileSync(join(dir, name), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function linkName(path: string): string | undefined {
  try {
    return basename(readlinkSync(path));
  } catch {
    return undefined;
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

export function errorText(e: unknown): string {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    const { code, syscall, path } = e as { code: string; syscall?: unknown; path?: unknown };
    if (code === 'ENOENT' && typeof syscall === 'string' && syscall.startsWith('spawn')) return `${String(path)} is not installed`;
    if (code === 'ENOENT') return 'it does not exist';
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
    if (code === 'ENOTDIR') return 'it is not a directory';
  }
  return e instanceof Error && e.message ? e.message : String(e);
}

/** ttyUSB2 before ttyUSB10. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
