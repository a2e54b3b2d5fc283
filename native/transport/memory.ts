import { AppError } from '../../common/errors';
import type { Transport } from './types';
import { ReadQueue, disconnected } from './read-queue';

/**
 * An in-memory Transport for unit tests (STYLE.md: the mock is real, tested
 * code). Two ends of a link: whatever one writes, the other reads.
 */
export class MemoryTransport implements Transport {
  private readonly queue: ReadQueue;
  private open_ = false;
  private peer: MemoryTransport | null = null;
  readonly writes: Buffer[] = [];
  readonly signals: { dtr?: boolean; rts?: boolean }[] = [];
  /** Called with every chunk written (tests use it to answer like a module). */
  onWrite: ((data: Buffer) => void) | null = null;

  constructor(readonly path: string) {
    this.queue = new ReadQueue(path);
  }

  /** Two connected ends, like the two sides of a pty pair. */
  static pair(pathA = 'mem-a', pathB = 'mem-b'): [MemoryTransport, MemoryTransport] {
    const a = new MemoryTransport(pathA);
    const b = new MemoryTransport(pathB);
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  get isOpen(): boolean {
    return this.open_;
  }

  get lastWrite(): Buffer | undefined {
    return this.writes.at(-1);
  }

  async open(): Promise<void> {
    if (this.open_) throw new AppError('PORT_ALREADY_OPEN', `Port ${this.path} is already open.`);
    this.queue.reopen();
    this.open_ = true;
  }

  async write(data: Uint8Array): Promise<void> {
    if (!this.open_) throw disconnected(this.path, 'the port is not open');
    const copy = Buffer.from(data);
    this.writes.push(copy);
    this.onWrite?.(copy);
    if (this.peer?.open_) this.peer.queue.push(copy);
  }

  /** Delivers bytes to this end as if they arrived from the wire. */
  emitData(data: Uint8Array | string): void {
    if (this.open_) this.queue.push(Buffer.from(data));
  }

  /** Simulates an unplug: every pending and later call fails with DISCONNECTED. */
  unplug(): void {
    this.open_ = false;
    this.queue.close(disconnected(this.path, 'the device was unplugged'));
  }

  read(options: { timeoutMs: number; signal?: AbortSignal }): Promise<Buffer> {
    return this.queue.read(options);
  }

  async flushInput(): Promise<void> {
    this.queue.clear();
  }

  async set(signals: { dtr?: boolean; rts?: boolean }): Promise<void> {
    if (!this.open_) throw disconnected(this.path, 'the port is not open');
    this.signals.push({ ...signals });
  }

  async drain(): Promise<void> {
    if (!this.open_) throw disconnected(this.path, 'the port is not open');
  }

  async close(): Promise<void> {
    if (!this.open_) return;
    this.open_ = false;
    this.queue.close(disconnected(this.path, 'the port was closed'));
  }
}
