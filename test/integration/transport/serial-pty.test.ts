import { unlinkSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SerialTransport } from '../../../native/transport/serial';
import { openPtyPair, type PtyPair } from '../../../native/sim/pty-pair';

describe('SerialTransport over a real pty pair', () => {
  let pair: PtyPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('carries bytes both ways', async () => {
    pair = await openPtyPair();
    const host = new SerialTransport(pair.hostPath, { baudRate: 115200 });
    const module = new SerialTransport(pair.modulePath, { baudRate: 115200 });
    await host.open();
    await module.open();
    await host.write(Buffer.from([0x66, 0xaa, 0x00]));
    expect([...(await module.read({ timeoutMs: 1000 }))]).toEqual([0x66, 0xaa, 0x00]);
    await module.write(Buffer.from('ok'));
    expect((await host.read({ timeoutMs: 1000 })).toString()).toBe('ok');
    await host.close();
    await module.close();
  });

  it('times out a read when the other end is silent', async () => {
    pair = await openPtyPair();
    const host = new SerialTransport(pair.hostPath);
    await host.open();
    await expect(host.read({ timeoutMs: 50 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await host.close();
  });

  it('fails pending reads with DISCONNECTED when the port is closed', async () => {
    pair = await openPtyPair();
    const host = new SerialTransport(pair.hostPath);
    await host.open();
    const pending = host.read({ timeoutMs: 5000 });
    await host.close();
    await expect(pending).rejects.toMatchObject({ code: 'DISCONNECTED' });
  });

  it('names a missing port plainly', async () => {
    const host = new SerialTransport('/dev/does-not-exist-cs');
    await expect(host.open()).rejects.toMatchObject({ code: 'PORT_NOT_FOUND' });
  });
});

describe('SerialTransport presence watch', () => {
  it('fails a pending read with DISCONNECTED when the device node disappears', async () => {
    const pair = await openPtyPair();
    const host = new SerialTransport(pair.hostPath);
    await host.open();
    const pending = host.read({ timeoutMs: 5000 });
    // SIGKILL leaves the pty behind but the link goes: like /dev/ttyUSB0 vanishing on unplug.
    unlinkSync(pair.hostPath);
    const started = Date.now();
    await expect(pending).rejects.toMatchObject({ code: 'DISCONNECTED' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(host.isOpen).toBe(false);
    await pair.close();
  });
});
