import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsedOutput, runTsx } from '../../support/run-tsx';

const here = dirname(fileURLToPath(import.meta.url));

async function usbInChild(sysRoot: string): Promise<{
  code: number | null;
  stderr: string;
  out: { listed: { devices: unknown[]; usbBus: boolean; warnings: string[] }; hotplug: string } | null;
}> {
  const run = await runTsx(join(here, 'usb-child.ts'), [sysRoot]);
  return { code: run.code, stderr: run.stderr, out: parsedOutput(run) };
}

describe('the usb package on this machine', () => {
  it('lists and watches USB (or says there is no bus) and the process lives on', async () => {
    const run = await usbInChild('/sys');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    if (existsSync('/sys/bus/usb/devices')) {
      expect(run.out!.listed.usbBus).toBe(true);
      expect(run.out!.hotplug).toBe('started');
    } else {
      expect(run.out!.listed).toEqual({
        devices: [],
        usbBus: false,
        warnings: ['This machine has no USB bus: no USB programmers can be found.'],
      });
      expect(run.out!.hotplug).toBe('refused: this machine has no USB bus');
    }
  });

  it('survives loading the native layer when sysfs claims a bus the kernel does not enumerate', async () => {
    // A fake sysfs root with bus/usb/devices makes us load the native module; nusb still reads the real /sys.
    const root = mkdtempSync(join(tmpdir(), 'cs-usb-'));
    try {
      mkdirSync(join(root, 'bus', 'usb', 'devices'), { recursive: true });
      const run = await usbInChild(root);
      expect(run.code).toBe(0);
      expect(run.out!.listed.usbBus).toBe(true);
      if (!existsSync('/sys/bus/usb/devices')) {
        expect(run.out!.listed.devices).toEqual([]);
        expect(run.out!.listed.warnings[0]).toMatch(/Could not list USB devices \(getDevices error: .*not found/);
      }
      expect(run.out!.hotplug).toBe('started');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
