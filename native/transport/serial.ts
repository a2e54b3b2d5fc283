import { readSync, writeSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { SerialPortStream } from '@serialport/stream';
import { HangupAwareBinding } from './hangup-guard';
import { AppError } from '../../common/errors';
import type { Transport } from './types';
import { ReadQueue, disconnected } from './read-queue';

type PortBinding = Awaited<ReturnType<typeof HangupAwareBinding.open>>;
interface Readiness {
  once(event: 'readable' | 'writable', callback: (err: Error | null) => void): unknown;
}

const retryLater = (e: unknown): boolean => {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR';
};
const notOpen = () => Object.assign(new Error('Port is not open'), { canceled: true });

/**
 * The port's fd is non-blocking, so a read or write syscall returns at once:
 * doing it on the main thread saves a thread-pool round trip per chunk (and
 * per write), which is most of the host's cost per exchange. serialport's
 * poller still wakes us when data comes. A 0-byte read is a hang-up, as in
 * the hang-up guard underneath.
 */
const MainThreadBinding: typeof HangupAwareBinding = {
  ...HangupAwareBinding,
  async open(options: Parameters<typeof HangupAwareBinding.open>[0]) {
    const port: PortBinding = await HangupAwareBinding.open(options);
    const poller = (port as unknown as { poller?: Readiness }).poller;
    const fdOf = () => (port as unknown as { fd: number | null }).fd;
    if (!poller || typeof fdOf() !== 'number') return port;
    const ready = (event: 'readable' | 'writable') =>
      new Promise<void>((resolve, reject) => poller.once(event, (err) => (err ? reject(err) : resolve())));
    port.read = async (buffer: Buffer, offset: number, length: number) => {
      for (;;) {
        // Wait for the poller first: reading right after a chunk mostly finds nothing, and an EAGAIN error is costly to build.
        await ready('readable');
        const fd = fdOf();
        if (!port.isOpen || fd === null) throw notOpen();
        let bytesRead: number;
        try {
          bytesRead = readSync(fd, buffer, offset, length, null);
        } catch (e) {
          if (!retryLater(e)) throw e;
          continue;
        }
        if (bytesRead === 0) throw Object.assign(new Error('the other end hung up'), { code: 'ENXIO' });
        return { bytesRead, buffer };
      }
    };
    port.write = async (buffer: Buffer) => {
      let offset = 0;
      while (offset < buffer.length) {
        const fd = fdOf();
        if (!port.isOpen || fd === null) throw new Error('Port is not open');
        try {
          offset += writeSync(fd, buffer, offset, buffer.length - offset);
        } catch (e) {
          if (!retryLater(e)) throw e;
          await ready('writable');
        }
      }
    };
    return port;
  },
};

export interface SerialTransportOptions {
  baudRate: number;
  /**
   * Whether write() waits for the port to drain when the write itself does
   * not say (default true, the Transport contract). The virtual module turns
   * it off: it paces its own bytes by the clock and a drain per piece would
   * only queue them behind each other.
   */
  drainWrites?: boolean | undefined;
}

/** A Transport over a real serial port (or a pty) through node-serialport. */
export class SerialTransport implements Transport {
  private port: SerialPortStream | null = null;
  private readonly queue: ReadQueue;
  private presenceTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly path: string,
    private readonly options: SerialTransportOptions = { baudRate: 115200 },
  ) {
    this.queue = new ReadQueue(path);
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  async open(): Promise<void> {
    if (this.port?.isOpen) throw new AppError('PORT_ALREADY_OPEN', `Port ${this.path} is already open.`);
    const port = new SerialPortStream({
      binding: MainThreadBinding,
      path: this.path,
      baudRate: this.options.baudRate,
      autoOpen: false,
      hupcl: false,
    });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(openError(this.path, err)) : resolve())));
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

  async write(data: Uint8Array, options: { drain?: boolean } = {}): Promise<void> {
    const port = this.requireOpen();
    const drain = options.drain ?? this.options.drainWrites !== false;
    // A Buffer is handed over as is: the caller does not touch it after writing.
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    await new Promise<void>((resolve, reject) => {
      port.write(bytes, (err) => {
        if (err) return reject(disconnected(this.path, err.message));
        if (!drain) return resolve();
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
      port.set(signals, (err) =>
        err ? reject(new AppError('PORT_SIGNAL_FAILED', `Could not set DTR/RTS on ${this.path}: ${err.message}`)) : resolve(),
      ),
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
