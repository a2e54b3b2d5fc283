import { AppError } from '../../common/errors';

/**
 * Bytes received and not yet read, plus at most one waiting reader. Shared by
 * every Transport implementation so that timeouts, cancellation and
 * disconnection behave the same on a real port and in memory.
 */
export class ReadQueue {
  private chunks: Buffer[] = [];
  private waiter: { resolve: (b: Buffer) => void; reject: (e: Error) => void; cleanup: () => void } | null = null;
  private closedWith: AppError | null = null;

  constructor(private readonly path: string) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.cleanup();
      w.resolve(chunk);
      return;
    }
    this.chunks.push(chunk);
  }

  /** Rejects the waiting reader and every later read with `error` until `reopen()`. */
  close(error: AppError): void {
    this.closedWith = error;
    this.chunks = [];
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.cleanup();
      w.reject(error);
    }
  }

  reopen(): void {
    this.closedWith = null;
    this.chunks = [];
  }

  clear(): void {
    this.chunks = [];
  }

  read(options: { timeoutMs: number; signal?: AbortSignal | undefined }): Promise<Buffer> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (this.chunks.length > 0) {
      const out = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.chunks = [];
      return Promise.resolve(out);
    }
    if (this.waiter) return Promise.reject(new AppError('BUSY', `Port ${this.path} already has a pending read.`));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(canceled(this.path));
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        cleanup();
        reject(new AppError('TIMEOUT', `No answer on ${this.path} within ${options.timeoutMs} ms.`, { timeoutMs: options.timeoutMs }));
      }, options.timeoutMs);
      const onAbort = () => {
        this.waiter = null;
        cleanup();
        reject(canceled(this.path));
      };
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiter = { resolve, reject, cleanup };
    });
  }
}

const canceled = (path: string) => new AppError('CANCELED', `Reading from ${path} was cancelled.`);

export const disconnected = (path: string, why = 'the port was closed or unplugged') =>
  new AppError('DISCONNECTED', `Lost the connection to ${path}: ${why}. Check the programmer's cable, then retry.`, { path });
