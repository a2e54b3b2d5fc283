/**
 * The SQLite hub's checkpointer thread (checkpointer.ts): its own connection to the hub's file copies the
 * committed pages of the write-ahead log back into the database every few milliseconds (PASSIVE: it never waits
 * for, nor blocks, the hub's writer), so the hub's commits no longer run the checkpoints themselves.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointWorkerData } from './checkpointer';

const { file, everyMs } = workerData as CheckpointWorkerData;
const db = new Database(file, { fileMustExist: true });
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or interrupted: the next tick tries again, and the hub's own bound (checkpointer.ts) still holds
  }
}, everyMs);
parentPort!.on('message', (m: unknown) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
parentPort!.postMessage('ready');
