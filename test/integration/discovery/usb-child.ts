// Exercises the usb package's native layer in its own process: listing and
// hotplug on the given sysfs root, then prints what came back as JSON.
import { listUsbDevices, usbHotplug } from '../../../native/transport/usb';

const sysRoot = process.argv[2] ?? '/sys';
const listed = await listUsbDevices({ sysRoot });
let hotplug: string;
try {
  const stop = await usbHotplug({ sysRoot }).start(() => undefined);
  // Give a background failure of the native layer time to surface before we stop.
  await new Promise((r) => setTimeout(r, 300));
  await stop();
  hotplug = 'started';
} catch (e) {
  hotplug = `refused: ${e instanceof Error ? e.message : String(e)}`;
}
process.stdout.write(`${JSON.stringify({ listed, hotplug })}\n`);
