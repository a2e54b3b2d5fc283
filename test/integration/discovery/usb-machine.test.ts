import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');

function usbInChild(sysRoot: string): Promise<{ code: number | null; stderr: string; out: { listed: { devices: unknown[]; usbBus: boolean; warnings: string[] }; hotplug: string } | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'usb-child.ts'), sysRoot], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let out = null;
      try {
        out = JSON.parse(stdout);
      } catch {
        out = null;
      }
      resolve({ code, stderr, out });
    });
  });
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
      expect(run.out!.listed).toEqual({ devices: [], usbBus: false, warnings: ['This machine has no USB bus: no USB programmers can be found.'] });
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
