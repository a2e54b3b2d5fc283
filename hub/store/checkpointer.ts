/**
 * Checkpoints of a SQLite hub's write-ahead log, off the request path. By default SQLite's committing connection
 * copies the log back into the database whenever the log passes 1,000 pages, inside that commit: a third of a
 * 5,000-license pull's commits, and the same share of every group commit of pushes, on the one connection every
 * request waits for. Here a worker thread with a connection of its own checkpoints every `everyMs`, and the
 * hub's connection checkpoints itself only when the log passes `BEHIND_PAGES` (the worker fell behind, or died).
 */
import type Database from 'better-sqlite3';
import { startWorker, workerError } from '../../node/worker';

export interface CheckpointWorkerData {
  file: string;
  everyMs: number;
}

/** The hub's own connection checkpoints past this many log pages (SQLite's default is 1,000): 40 MiB of log (16 KiB pages). */
export const BEHIND_PAGES = 2_500;
const DEFAULT_PAGES = 1_000;

export interface Checkpointer {
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  everyMs?: number;
  /** Told once if the worker fails (not when it is stopped): the hub's connection checkpoints again meanwhile. */
  onFailure?: (error: Error) => void;
}

/** Starts checkpointing `file` on a worker thread; `connection` is the hub's own connection to it. */
export function startCheckpointer(file: string, connection: Database.Database, opts: CheckpointerOptions = {}): Checkpointer {
  const everyMs = opts.everyMs ?? 20;
  const worker = startWorker(new URL('./checkpoint-worker.ts', import.meta.url), { file, everyMs } satisfies CheckpointWorkerData);
  let stopping = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (m: unknown) => {
    if (m === 'ready' && !stopping && connection.open) connection.pragma(`wal_autocheckpoint = ${BEHIND_PAGES}`);
  });
  // Without the worker, the hub's connection checkpoints as SQLite does by default.
  let failed = false;
  const fallBack = (error: Error) => {
    if (connection.open) connection.pragma(`wal_autocheckpoint = ${DEFAULT_PAGES}`);
    if (!failed && !stopping) opts.onFailure?.(error);
    failed = true;
  };
  worker.on('error', (e: unknown) => fallBack(workerError('the checkpoint worker', e)));
  worker.on('exit', (code: number) => fallBack(new Error(`the checkpoint worker exited (code ${code})`)));
  worker.unref();
  return {
    async stop() {
      stopping = true;
      worker.postMessage('stop');
      const timeout = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
