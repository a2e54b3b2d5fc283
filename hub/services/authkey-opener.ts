/**
 * Opens a page of sealed authkeys (a pull's, a download's) on a worker thread, so the hub's main thread goes on
 * with the database while the other core runs AES-GCM: a page of 5,000 licenses holds about 30 ms of it, as much
 * as leasing the page. Short lists (under WORKER_MIN), and every list while the worker boots or after it failed,
 * are opened on the main thread, as `openAuthkey` does; an authkey the worker could not open is opened here again,
 * so the caller gets the same AUTHKEY_TAMPERED or MASTER_KEY_UNKNOWN either way.
 */
import type { KeyObject } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { startWorker, workerError } from '../../node/worker';
import { openAuthkey, type Keyring } from './authkeys';

/**
 * What the main thread sends: the ids of the ring's keys (the worker opens with those only), the keys the worker
 * has not been given yet, and the authkeys with their uuids.
 */
export interface OpenRequest {
  id: number;
  ring: string[];
  keys: { id: string; key: KeyObject }[];
  uuids: string[];
  sealed: string[];
}
/** The worker's answers: it is ready, or request `id`'s authkeys in order (null: not opened). */
export type OpenReply = { ready: true } | { id: number; authkeys: (string | null)[] };

/** Below this, posting to the worker and back costs more than opening here. */
export const WORKER_MIN = 256;
/** A worker that failed is started again no sooner than this. */
const RESTART_AFTER_MS = 60_000;

class OpenerThread {
  readonly #worker: Worker;
  readonly #given = new Set<string>();
  readonly #pending = new Map<number, (authkeys: (string | null)[] | undefined) => void>();
  readonly #ready: Promise<boolean>;
  #isReady = false;
  #stopped = false;
  failedAt: number | undefined;
  #next = 0;

  constructor() {
    this.#worker = startWorker(new URL('./authkey-worker.ts', import.meta.url), undefined);
    let ready!: (ok: boolean) => void;
    this.#ready = new Promise((r) => (ready = r));
    this.#worker.on('message', (m: OpenReply) => {
      if ('ready' in m) {
        this.#isReady = true;
        ready(true);
      } else this.#settle(m.id, m.authkeys);
    });
    const fail = (error: Error) => {
      if (this.failedAt === undefined && !this.#stopped) failureListener?.(error);
      this.failedAt ??= Date.now();
      ready(false);
      for (const id of [...this.#pending.keys()]) this.#settle(id, undefined);
    };
    this.#worker.on('error', (e: unknown) => fail(workerError('the authkey worker', e)));
    this.#worker.on('exit', (code: number) => fail(new Error(`the authkey worker exited (code ${code})`)));
    // An idle opener never keeps the process alive (after the listeners: a 'message' listener refs the port).
    this.#worker.unref();
  }

  get usable(): boolean {
    return this.#isReady && this.failedAt === undefined;
  }

  whenReady(): Promise<boolean> {
    return this.#ready;
  }

  /** The authkeys in order (null where one did not open), or undefined when the worker failed meanwhile. */
  open(ring: Keyring, uuids: string[], sealed: string[]): Promise<(string | null)[] | undefined> {
    const all = [ring.current, ...ring.previous];
    const keys = all.filter((k) => !this.#given.has(k.id));
    for (const k of keys) this.#given.add(k.id);
    const id = this.#next++;
    if (this.#pending.size === 0) this.#worker.ref(); // a caller awaits: stay alive until it is answered
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#worker.postMessage({
        id,
        ring: all.map((k) => k.id),
        keys: keys.map((k) => ({ id: k.id, key: k.key })),
        uuids,
        sealed,
      } satisfies OpenRequest);
    });
  }

  terminate(): Promise<number> {
    this.#stopped = true;
    return this.#worker.terminate();
  }

  #settle(id: number, authkeys: (string | null)[] | undefined): void {
    const resolve = this.#pending.get(id);
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker.unref();
    resolve?.(authkeys);
  }
}

let thread: OpenerThread | undefined;
/** Told when a worker fails (not when it is stopped); the running hub logs it (startAuthkeyOpener). */
let failureListener: ((error: Error) => void) | undefined;

/** How many authkeys this process opened on the worker, and on the main thread (tests and diagnostics). */
export const openedCounts = { worker: 0, main: 0 };

function opener(): OpenerThread | undefined {
  if (thread?.failedAt !== undefined && Date.now() - thread.failedAt >= RESTART_AFTER_MS) thread = undefined;
  try {
    thread ??= new OpenerThread();
  } catch {
    return undefined; // no worker threads here: everything opens on the main thread
  }
  return thread;
}

/**
 * Starts the worker ahead of the first big pull (at hub start), so that pull is not opened on the main thread
 * while the worker boots; resolves true once it can take work. `onFailure` hears of every worker that fails
 * from now on (opening goes on on the main thread meanwhile, and a new worker starts a minute later).
 */
export function startAuthkeyOpener(onFailure?: (error: Error) => void): Promise<boolean> {
  if (onFailure) failureListener = onFailure;
  return opener()?.whenReady() ?? Promise.resolve(false);
}

/** Stops the worker (tests: to see that opening goes on without it); the next big list starts it again. */
export async function stopAuthkeyOpener(): Promise<void> {
  const t = thread;
  thread = undefined;
  await t?.terminate();
}

/** The rows' authkeys, opened, in order. */
export async function openAuthkeys(ring: Keyring, rows: readonly { uuid: string; authkey: string }[]): Promise<string[]> {
  const t = rows.length >= WORKER_MIN ? opener() : undefined;
  if (t?.usable) {
    const got = await t.open(
      ring,
      rows.map((r) => r.uuid),
      rows.map((r) => r.authkey),
    );
    if (got) {
      openedCounts.worker += rows.length;
      return got.map((a, i) => a ?? openAuthkey(ring, rows[i]!.uuid, rows[i]!.authkey));
    }
  }
  openedCounts.main += rows.length;
  return rows.map((r) => openAuthkey(ring, r.uuid, r.authkey));
}
