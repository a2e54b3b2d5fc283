import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { findProgrammer } from './programmers';
import { errorText, hasUsbBus, isSerialTtyName, naturalCompare, readSysfsTtys, type SysfsTty } from './sysfs';

/** A serial port the station could open, with what the OS knows about it. */
export interface DiscoveredPort {
  /** What to open (a /dev node, or the pty link we were given). */
  path: string;
  /** The device node behind `path` when it is a link (e.g. /dev/pts/3). */
  realPath?: string | undefined;
  /** usb: a USB-serial bridge; serial: an on-board UART; virtual: a pty (virtual module); unknown: seen in /dev only. */
  kind: 'usb' | 'serial' | 'virtual' | 'unknown';
  vendorId?: string | undefined;
  productId?: string | undefined;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
  product?: string | undefined;
  /** USB port chain (e.g. "1-2.3"): which socket the programmer sits in. */
  usbPortPath?: string | undefined;
  usbInterface?: number | undefined;
  driver?: string | undefined;
  /** The programmer model from the descriptor table, when the VID/PID is known. */
  programmer?: { model: string; name: string } | undefined;
  /** Where each fact came from. */
  sources: ('sysfs' | 'dev' | 'udev' | 'given')[];
}

export interface DiscoveryResult {
  ports: DiscoveredPort[];
  /** False when the machine has no USB bus (containers, CI): only UARTs and ptys can show up. */
  usbBus: boolean;
  /** True when udev's database was consulted through SerialPort.list(). */
  udevUsed: boolean;
  /** Plain-words notes about what could not be read; discovery never throws. */
  warnings: string[];
}

/** The subset of SerialPort.list()'s PortInfo we merge in. */
export interface UdevPortInfo {
  path: string;
  manufacturer?: string | undefined;
  serialNumber?: string | undefined;
  vendorId?: string | undefined;
  productId?: string | undefined;
}

export interface DiscoveryOptions {
  /** Root of sysfs (tests pass a fake tree). Default /sys. */
  sysRoot?: string;
  /** Root of device nodes. Default /dev. */
  devRoot?: string;
  /** Pty links we were told about, e.g. the virtual modules' host paths. */
  extraPaths?: readonly string[];
  /** Directories whose pty links are listed too (e.g. where the fleet puts its host ends). */
  virtualDirs?: readonly string[];
  /** Which names in `virtualDirs` are station ends. Default: `*-host` (the pty-pair convention; `*-module` ends belong to the modules). */
  virtualNamePattern?: RegExp;
  /**
   * 'auto': ask udev through SerialPort.list() only when udevadm and udev's
   * database exist; 'force': ask it anyway (still with a deadline); 'off':
   * never; a function: use it (tests).
   */
  udev?: 'auto' | 'force' | 'off' | (() => Promise<UdevPortInfo[]>);
  /** Longest wait for udev before listing without it. Default 2000 ms. */
  udevTimeoutMs?: number;
}

/**
 * Lists every serial port on the machine from sysfs and /dev, plus the ptys we
 * were told about. Never throws: every failure becomes a `warnings` entry.
 */
export async function discoverPorts(options: DiscoveryOptions = {}): Promise<DiscoveryResult> {
  const warnings: string[] = [];
  const sysRoot = options.sysRoot ?? '/sys';
  const devRoot = options.devRoot ?? '/dev';
  const ports = new Map<string, DiscoveredPort>();
  let usbBus = false;
  let udevUsed = false;
  try {
    usbBus = hasUsbBus(sysRoot);
    if (!usbBus)
      warnings.push(
        `This machine has no USB bus (${join(sysRoot, 'bus', 'usb')} is missing): USB programmers cannot appear; listing serial ports and virtual modules only.`,
      );

    for (const tty of readSysfsTtys(sysRoot, warnings)) {
      const port = fromSysfs(tty, devRoot);
      if (!existsSync(port.path)) {
        warnings.push(`${tty.name} is known to the kernel but ${port.path} is missing: check that ${devRoot} is populated (devtmpfs).`);
        continue;
      }
      ports.set(port.path, port);
    }

    for (const port of scanDev(devRoot, warnings)) {
      if (!ports.has(port.path)) ports.set(port.path, port);
      else ports.get(port.path)!.sources.push('dev');
    }

    const udev = options.udev ?? 'auto';
    if (udev !== 'off') {
      const timeoutMs = options.udevTimeoutMs ?? 2000;
      const list = typeof udev === 'function' ? udev : udev === 'force' || udevUsable() ? serialPortListIsolated(timeoutMs) : null;
      if (list) {
        // The helper kills itself at the deadline; the outer one only guards an injected lister.
        const merged = await mergeUdev(ports, list, typeof udev === 'function' ? timeoutMs : timeoutMs + 1000, warnings);
        udevUsed = merged;
      }
    }

    for (const port of givenPorts(options.extraPaths ?? [], options.virtualDirs ?? [], options.virtualNamePattern ?? /-host$/, warnings)) {
      if (!ports.has(port.path)) ports.set(port.path, port);
    }
  } catch (e) {
    warnings.push(`Port discovery stopped early (${errorText(e)}); the list may be incomplete.`);
  }
  return { ports: [...ports.values()].sort((a, b) => naturalCompare(a.path, b.path)), usbBus, udevUsed, warnings };
}

function fromSysfs(tty: SysfsTty, devRoot: string): DiscoveredPort {
  const port: DiscoveredPort = {
    path: join(devRoot, tty.name),
    kind: tty.bus === 'usb' ? 'usb' : tty.bus === 'serial' ? 'serial' : 'unknown',
    driver: tty.driver,
    sources: ['sysfs'],
  };
  if (tty.usb) {
    port.vendorId = tty.usb.vendorId;
    port.productId = tty.usb.productId;
    port.serialNumber = tty.usb.serialNumber;
    port.manufacturer = tty.usb.manufacturer;
    port.product = tty.usb.product;
    port.usbPortPath = tty.usb.portPath;
    port.usbInterface = tty.usb.interfaceNumber;
    const model = findProgrammer(tty.usb.vendorId, tty.usb.productId);
    if (model) port.programmer = { model: model.model, name: model.name };
  }
  return port;
}

/** Device nodes the kernel named like serial ports; ttyS* only with sysfs backing (see sysfs.ts). */
function scanDev(devRoot: string, warnings: string[]): DiscoveredPort[] {
  let names: string[];
  try {
    names = readdirSync(devRoot);
  } catch (e) {
    warnings.push(`Could not read ${devRoot} (${errorText(e)}).`);
    return [];
  }
  // Most PCs have ttyS0..31 nodes whether or not a UART sits behind them; sysfs already listed the real ones.
  return names
    .filter((n) => isSerialTtyName(n) && !n.startsWith('ttyS'))
    .map((name) => ({ path: join(devRoot, name), kind: 'unknown' as const, sources: ['dev' as const] }));
}

function givenPorts(
  extraPaths: readonly string[],
  virtualDirs: readonly string[],
  namePattern: RegExp,
  warnings: string[],
): DiscoveredPort[] {
  const out: DiscoveredPort[] = [];
  const candidates: { path: string; explicit: boolean }[] = extraPaths.map((p) => ({ path: p, explicit: true }));
  for (const dir of virtualDirs) {
    try {
      for (const name of readdirSync(dir).sort(naturalCompare))
        if (namePattern.test(name)) candidates.push({ path: join(dir, name), explicit: false });
    } catch (e) {
      warnings.push(`Could not read the virtual module directory ${dir} (${errorText(e)}).`);
    }
  }
  for (const { path, explicit } of candidates) {
    try {
      const target = statSync(path);
      if (!target.isCharacterDevice()) {
        warnings.push(`${path} is not a serial device (not a character device); it was left out.`);
        continue;
      }
      const real = lstatSync(path).isSymbolicLink() ? realpathSync(path) : undefined;
      out.push({ path, realPath: real, kind: 'virtual', sources: ['given'] });
    } catch (e) {
      if (explicit || lstatSafe(path)) warnings.push(`${path} was given as a port but ${errorText(e)}: is the virtual module running?`);
    }
  }
  return out;
}

function lstatSafe(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * SerialPort.list() spawns `udevadm info -e`: without udevadm it rejects, with a
 * stuck one it never settles (and the udevadm child keeps our process alive),
 * and without udev's database it adds nothing to sysfs. So it is only asked
 * when udev runs, and in a short-lived helper process killed at the deadline
 * together with its udevadm: nothing it does can crash or hold the app.
 */
function udevUsable(): boolean {
  if (process.platform !== 'linux') return true;
  if (!existsSync('/run/udev/data')) return false;
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, 'udevadm')));
}

const listHelper = `const { SerialPort } = require(process.argv[1]);
SerialPort.list().then((l) => process.stdout.write(JSON.stringify(l)), (e) => { process.stderr.write(String((e && e.message) || e)); process.exitCode = 2; });`;

function serialPortListIsolated(timeoutMs: number): () => Promise<UdevPortInfo[]> {
  return () =>
    new Promise((resolve, reject) => {
      const entry = createRequire(import.meta.url).resolve('serialport');
      // Own process group, so the kill at the deadline takes udevadm along.
      const child = spawn(process.execPath, ['-e', listHelper, entry], {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        killGroup(child.pid);
        reject(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code !== 0) return reject(new Error(stderr.trim() || `the port lister exited with ${code}`));
        try {
          resolve(JSON.parse(stdout) as UdevPortInfo[]);
        } catch {
          reject(new Error('the port lister printed something unreadable'));
        }
      });
    });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

async function mergeUdev(
  ports: Map<string, DiscoveredPort>,
  list: () => Promise<UdevPortInfo[]>,
  timeoutMs: number,
  warnings: string[],
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const answer = await Promise.race([Promise.resolve().then(list), timeout]);
    if (answer === 'timeout') {
      warnings.push(`udev did not answer within ${timeoutMs} ms; ports are listed from sysfs and /dev only.`);
      return false;
    }
    for (const info of answer) {
      if (typeof info?.path !== 'string') continue;
      const known = ports.get(info.path);
      if (!known) {
        ports.set(info.path, {
          path: info.path,
          kind: info.vendorId ? 'usb' : 'unknown',
          vendorId: lower(info.vendorId),
          productId: lower(info.productId),
          serialNumber: info.serialNumber,
          manufacturer: info.manufacturer,
          sources: ['udev'],
        });
        continue;
      }
      known.vendorId ??= lower(info.vendorId);
      known.productId ??= lower(info.productId);
      known.serialNumber ??= info.serialNumber;
      known.manufacturer ??= info.manufacturer;
      known.sources.push('udev');
    }
    for (const port of ports.values()) {
      if (port.programmer || !port.vendorId) continue;
      const model = findProgrammer(port.vendorId, port.productId);
      if (model) port.programmer = { model: model.model, name: model.name };
    }
    return true;
  } catch (e) {
    warnings.push(`udev could not list ports (${errorText(e)}); ports are listed from sysfs and /dev only.`);
    return false;
  } finally {
    clearTimeout(timer);
  }
}

const lower = (s: string | undefined) => (s ? s.toLowerCase() : undefined);
