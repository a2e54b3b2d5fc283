import { access } from 'node:fs/promises';
import { SerialPortStream } from '@serialport/stream';
import { HangupAwareBinding } from './hangup-guard';
import { AppError } from '../../common/errors';
import type { Transport } from './types';
import { ReadQueue, disconnected } from './read-queue';

/** A Transport over a real serial port (or a pty) through node-serialport. */
export class SerialTransport implements Transport {
  private port: SerialPortStream | null = null;
  private readonly queue: ReadQueue;
  private presenceTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly path: string,
    private readonly options: { baudRate: number } = { baudRate: 115200 },
  ) {
    this.queue = new ReadQueue(path);
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  async open(): Promise<void> {
    if (this.port?.isOpen) throw new AppError('PORT_ALREADY_OPEN', `Port ${this.path} is already open.`);
    const port = new SerialPortStream({ binding: HangupAwareBinding, path: this.path, baudRate: this.options.baudRate, autoOpen: false, hupcl: false });
    await new Promise<void>((resolve, reject) =>
      port.open((err) => (err ? reject(openError(this.path, err)) : resolve())),
    );
    this.queue.reopen();
    port.on('data', (chunk: Buffer) => this.queue.push(chunk));
    port.on('close', (err?: { disconnected?: boolean }) => {
      this.queue.close(disconnected(this.path, err?.disconnected ? 'the device was unplugged' : 'the port was closed'));
    });
    // An error after open means the port is gone; the close event follows.
    port.on('error', (err: Error) => this.queue.close(disconnected(this.path, err.message)));
    this.port = port;
    this.watchPresence(port);
  }

  /**
   * A vanished device node means the programmer was unplugged (or the virtual
   * module's pty pair went away). serialport does not always notice a pty
   * hang-up, so a pending read would only time out: check the path instead.
   */
  private watchPresence(port: SerialPortStream): void {
    const timer = setInterval(() => {
      access(this.path).catch(() => {
        if (this.port !== port) return;
        this.queue.close(disconnected(this.path, 'the device was unplugged'));
        this.port = null;
        this.stopPresenceWatch();
        if (port.isOpen) port.close(() => undefined);
      });
    }, 250);
    timer.unref();
    this.presenceTimer = timer;
  }

  private stopPresenceWatch(): void {
    if (this.presenceTimer) clearInterval(this.presenceTimer);
    this.presenceTimer = null;
  }

  private requireOpen(): SerialPortStream {
    if (!this.port?.isOpen) throw disconnected(this.path, 'the port is not open');
    return this.port;
  }

  async write(data: Uint8Array): Promise<void> {
    const port = this.requireOpen();
    await new Promise<void>((resolve, reject) => {
      port.write(Buffer.from(data), (err) => {
        if (err) return reject(disconnected(this.path, err.message));
        port.drain((e) => (e ? reject(disconnected(this.path, e.message)) : resolve()));
      });
    });
  }

  read(options: { timeoutMs: number; signal?: AbortSignal }): Promise<Buffer> {
    return this.queue.read(options);
  }

  async flushInput(): Promise<void> {
    this.queue.clear();
    const port = this.port;
    if (!port?.isOpen) return;
    await new Promise<void>((resolve) => port.flush(() => resolve()));
  }

  async set(signals: { dtr?: boolean; rts?: boolean }): Promise<void> {
    const port = this.requireOpen();
    await new Promise<void>((resolve, reject) =>
      port.set(signals, (err) => (err ? reject(new AppError('PORT_SIGNAL_FAILED', `Could not set DTR/RTS on ${this.path}: ${err.message}`)) : resolve())),
    );
  }

  async drain(): Promise<void> {
    const port = this.requireOpen();
    await new Promise<void>((resolve, reject) => port.drain((err) => (err ? reject(disconnected(this.path, err.message)) : resolve())));
  }

  async close(): Promise<void> {
    const port = this.port;
    this.port = null;
    this.stopPresenceWatch();
    if (!port?.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
    this.queue.close(disconnected(this.path, 'the port was closed'));
  }
}

function openError(path: string, err: Error): AppError {
  const busy = /lock|busy/i.test(err.message);
  const missing = /no such file|ENOENT|cannot open/i.test(err.message);
  const message = missing
    ? `Port ${path} does not exist. Check that the programmer is plugged in.`
    : busy
      ? `Port ${path} is in use by another program. Close it there, then retry.`
      : `Could not open port ${path}: ${err.message}`;
  return new AppError(missing ? 'PORT_NOT_FOUND' : busy ? 'PORT_BUSY' : 'PORT_OPEN_FAILED', message, { path });
}
