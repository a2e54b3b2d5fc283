import { findProgrammer, normaliseUsbId } from './programmers';
import { errorText, hasUsbBus, type UsbIdentity } from './sysfs';

/**
 * USB enumeration and hotplug through the `usb` package (v3, nusb-based). The
 * only file that imports `usb`; programmer-watcher.ts builds on it.
 */

export interface UsbDeviceInfo extends UsbIdentity {
  programmer?: { model: string; name: string } | undefined;
}

export interface UsbListResult {
  devices: UsbDeviceInfo[];
  usbBus: boolean;
  warnings: string[];
}

/** What we use of the `usb` package's native layer (usb/index.js). */
interface NativeUsb {
  nativeGetDevices(): Promise<NativeDevice[]>;
  Emitter: new () => NativeEmitter;
}
interface NativeDevice {
  vendorId: number;
  productId: number;
  bus: string;
  ports: number[];
  readonly serialNumber: string | null;
  readonly manufacturerName: string | null;
  readonly productName: string | null;
}
interface NativeEmitter {
  addAttach(cb: (d: NativeDevice) => void): Promise<void>;
  removeAttach(): Promise<void>;
  addDetach(cb: (handle: string) => void): Promise<void>;
  removeDetach(): Promise<void>;
}

// The package's WebUSB wrapper (`usb.addEventListener`) starts a device scan
// whose rejection nobody catches: without a USB bus that kills the process.
// Its native layer returns rejections we can catch, so we use that.
async function loadNativeUsb(): Promise<NativeUsb> {
  const mod = (await import('usb/index.js')) as unknown as NativeUsb & { default?: NativeUsb };
  return typeof mod.nativeGetDevices === 'function' ? mod : mod.default!;
}

/** Lists the USB devices on the machine. Never throws; says so when there is no USB bus. */
export async function listUsbDevices(options: { sysRoot?: string; load?: () => Promise<NativeUsb> } = {}): Promise<UsbListResult> {
  const sysRoot = options.sysRoot ?? '/sys';
  if (process.platform === 'linux' && !hasUsbBus(sysRoot)) {
    return { devices: [], usbBus: false, warnings: ['This machine has no USB bus: no USB programmers can be found.'] };
  }
  try {
    const native = await (options.load ?? loadNativeUsb)();
    const devices = await native.nativeGetDevices();
    return { devices: devices.map(toDeviceInfo), usbBus: true, warnings: [] };
  } catch (e) {
    return {
      devices: [],
      usbBus: true,
      warnings: [`Could not list USB devices (${errorText(e)}); programmers are found through their serial ports only.`],
    };
  }
}

function toDeviceInfo(d: NativeDevice): UsbDeviceInfo {
  const vendorId = normaliseUsbId(d.vendorId) ?? '0000';
  const productId = normaliseUsbId(d.productId) ?? '0000';
  const model = findProgrammer(vendorId, productId);
  return {
    vendorId,
    productId,
    serialNumber: safeString(() => d.serialNumber),
    manufacturer: safeString(() => d.manufacturerName),
    product: safeString(() => d.productName),
    portPath: d.bus.includes('-') || d.ports.length === 0 ? d.bus : `${d.bus}-${d.ports.join('.')}`,
    programmer: model ? { model: model.model, name: model.name } : undefined,
  };
}

function safeString(get: () => string | null): string | undefined {
  try {
    return get() ?? undefined;
  } catch {
    return undefined;
  }
}

/** Something that says "the USB devices changed"; the watcher then rescans. */
export interface HotplugSource {
  /** Starts listening; resolves with a stop function, or rejects when hotplug is unavailable. */
  start(onChange: () => void): Promise<() => Promise<void>>;
}

/** Hotplug through the `usb` package's native attach/detach events. */
export function usbHotplug(options: { sysRoot?: string; load?: () => Promise<NativeUsb> } = {}): HotplugSource {
  return {
    async start(onChange) {
      if (process.platform === 'linux' && !hasUsbBus(options.sysRoot ?? '/sys')) throw new Error('this machine has no USB bus');
      const native = await (options.load ?? loadNativeUsb)();
      const emitter = new native.Emitter();
      await emitter.addAttach(() => onChange());
      await emitter.addDetach(() => onChange());
      return async () => {
        await emitter.removeAttach().catch(() => undefined);
        await emitter.removeDetach().catch(() => undefined);
      };
    },
  };
}
