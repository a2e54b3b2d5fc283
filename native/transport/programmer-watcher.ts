import { EventEmitter } from 'node:events';
import { discoverPorts, type DiscoveredPort, type DiscoveryOptions } from './discovery';
import { errorText } from './sysfs';
import { usbHotplug, type HotplugSource } from './usb';

/**
 * Gives each programmer a stable key so a slot keeps it across unplug and
 * replug, whatever tty it comes back as. (Its own file: the layering lint
 * rule reserves the module name `usb` for native/transport/.)
 */

/** A programmer (or any port) as the watcher tracks it. */
export interface TrackedPort {
  /** Stable across unplug/replug: vid:pid:serial, else the USB socket, else the path. */
  key: string;
  /** The tty it has now. */
  path: string;
  port: DiscoveredPort;
}

/**
 * The stable key of a port. USB bridges with a serial number keep it wherever
 * they are plugged; bridges without one (most CH340s) are known by their USB
 * socket; other ports by their path. A multi-port bridge adds its interface.
 */
export function programmerKey(port: DiscoveredPort, options: { ignoreSerial?: boolean } = {}): string {
  const iface = port.usbInterface ? `#${port.usbInterface}` : '';
  if (port.kind === 'usb' && port.vendorId && port.productId && port.serialNumber && !options.ignoreSerial)
    return `${port.vendorId}:${port.productId}:${port.serialNumber}${iface}`;
  if (port.kind === 'usb' && port.usbPortPath) return `usb-port:${port.usbPortPath}${iface}`;
  return `tty:${port.path}`;
}

/**
 * Keys for a whole list. Cheap clones often share one serial number ("0001"):
 * such ports fall back to their USB socket so two programmers never share a key.
 */
export function keyPorts(ports: readonly DiscoveredPort[], warnings: string[] = []): TrackedPort[] {
  const counts = new Map<string, number>();
  for (const p of ports) counts.set(programmerKey(p), (counts.get(programmerKey(p)) ?? 0) + 1);
  const out: TrackedPort[] = [];
  const warned = new Set<string>();
  for (const port of ports) {
    let key = programmerKey(port);
    if ((counts.get(key) ?? 0) > 1) {
      if (!warned.has(key))
        warnings.push(
          `Several programmers report the same serial number (${key}): they are told apart by USB socket, so keep each in its socket.`,
        );
      warned.add(key);
      key = programmerKey(port, { ignoreSerial: true });
    }
    out.push({ key, path: port.path, port });
  }
  return out;
}

export interface ProgrammerWatcherOptions extends DiscoveryOptions {
  /** 'usb' (default): the usb package's hotplug events; 'off': rescans only on `rescan()` and polling; or a source (tests). */
  hotplug?: 'usb' | 'off' | HotplugSource;
  /** Periodic rescan; 0 turns it off. Default: 2000 ms when hotplug events are unavailable, else off. */
  pollMs?: number;
  /** After a hotplug event, wait this long for the kernel to create the tty before rescanning. Default 250 ms. */
  settleMs?: number;
}

export interface ProgrammerWatcherEvents {
  attach: [TrackedPort];
  detach: [{ key: string; path: string }];
  warning: [string];
}

/**
 * Tracks every serial port under its stable key and emits `attach` / `detach`.
 * A programmer unplugged and replugged as another tty emits detach (old path)
 * then attach (new path) under the same key, and `resolve(key)` follows it.
 */
export class ProgrammerWatcher extends EventEmitter<ProgrammerWatcherEvents> {
  private current = new Map<string, TrackedPort>();
  private seenWarnings = new Set<string>();
  private stopHotplug: (() => Promise<void>) | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private settleTimer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> = Promise.resolve();
  private stopped = false;
  private usbBus = false;

  constructor(private readonly options: ProgrammerWatcherOptions = {}) {
    super();
  }

  /** Scans once, then listens. Resolves with whether hotplug events are live; never rejects. */
  async start(): Promise<{ usbBus: boolean; hotplug: boolean; warnings: string[] }> {
    await this.rescan();
    let hotplug = false;
    const source = this.options.hotplug ?? 'usb';
    if (source !== 'off' && this.usbBus) {
      try {
        const src = source === 'usb' ? usbHotplug(this.options.sysRoot === undefined ? {} : { sysRoot: this.options.sysRoot }) : source;
        this.stopHotplug = await src.start(() => this.onHotplug());
        hotplug = true;
      } catch (e) {
        this.warn(`USB hotplug events are unavailable (${errorText(e)}); ports are rescanned every few seconds instead.`);
      }
    }
    const pollMs = this.options.pollMs ?? (hotplug || !this.usbBus ? 0 : 2000);
    if (pollMs > 0 && !this.stopped) {
      this.pollTimer = setInterval(() => void this.rescan(), pollMs);
      this.pollTimer.unref();
    }
    return { usbBus: this.usbBus, hotplug, warnings: [...this.seenWarnings] };
  }

  /** The tty a programmer has now, or undefined while it is unplugged. */
  resolve(key: string): string | undefined {
    return this.current.get(key)?.path;
  }

  list(): TrackedPort[] {
    return [...this.current.values()];
  }

  /** Re-reads the ports and emits the differences. Calls are serialised. */
  rescan(): Promise<void> {
    this.scanning = this.scanning.then(() => this.scanOnce());
    return this.scanning;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.pollTimer = this.settleTimer = null;
    const stop = this.stopHotplug;
    this.stopHotplug = null;
    await stop?.();
    await this.scanning;
  }

  private onHotplug(): void {
    if (this.stopped) return;
    // Several events arrive per plug (device, interfaces): one rescan after they settle.
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      void this.rescan();
    }, this.options.settleMs ?? 250);
  }

  private async scanOnce(): Promise<void> {
    if (this.stopped) return;
    const result = await discoverPorts(this.options);
    this.usbBus = result.usbBus;
    const warnings = [...result.warnings];
    const next = new Map(keyPorts(result.ports, warnings).map((t) => [t.key, t]));
    for (const w of warnings) this.warn(w);
    const previous = this.current;
    this.current = next;
    for (const [key, old] of previous) {
      const now = next.get(key);
      if (!now || now.path !== old.path) this.emit('detach', { key, path: old.path });
    }
    for (const [key, now] of next) {
      const old = previous.get(key);
      if (!old || old.path !== now.path) this.emit('attach', now);
    }
  }

  private warn(message: string): void {
    if (this.seenWarnings.has(message)) return;
    this.seenWarnings.add(message);
    this.emit('warning', message);
  }
}
