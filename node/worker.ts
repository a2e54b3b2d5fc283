import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts a worker module given by its TypeScript source (`new URL('./x-worker.ts', import.meta.url)` in the
 * caller). Built, the worker is the file scripts/build.mjs writes next to the bundle (`x-worker.mjs`); run from
 * source (tsx, vitest), it is the TypeScript module itself. Node 20 gives a worker none of the parent's loader
 * hooks (nor runs an --import given in its execArgv), so from source the worker's first line registers tsx (a
 * development dependency, which running from source needs anyway) and requires the module: tsx's CommonJS hook
 * boots about twice as fast in a worker as its ESM loader, which starts a thread of its own.
 */
export function startWorker(source: URL, workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL(`./${basename(source.pathname, '.ts')}.mjs`, import.meta.url), { workerData });
  const tsx = JSON.stringify(import.meta.resolve('tsx/cjs/api'));
  const module = JSON.stringify(fileURLToPath(source));
  return new Worker(`import(${tsx}).then((tsx) => { tsx.register(); require(${module}); })`, { eval: true, workerData });
}

/**
 * What a worker's 'error' event carried, as an Error to log: an error class of a library (better-sqlite3's
 * SqliteError) crosses the thread as a plain object of its own properties, its message lost.
 */
export function workerError(what: string, thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const code = (thrown as { code?: unknown } | null)?.code;
  return new Error(`${what} failed${typeof code === 'string' ? ` (${code})` : ''}`, { cause: thrown });
}
