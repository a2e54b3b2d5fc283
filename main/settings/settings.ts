import { basename, dirname } from 'node:path';
import Conf from 'conf';
import { AppError } from '../../common/errors';

/**
 * Settings that are not secrets (slot layout, last group, UI language).
 * The shape is electron-store's (which is `conf` with Electron's paths), and
 * both are the same store underneath: `fileSettings` opens `conf` in plain
 * Node, the Electron shell passes electron-store to `openSettings`. Keys may
 * be dotted paths ("slots.1.port").
 */
export interface SettingsStore<T extends Record<string, unknown> = Record<string, unknown>> {
  get<K extends keyof T & string>(key: K): T[K];
  get<K extends keyof T & string>(key: K, defaultValue: Required<T>[K]): Required<T>[K];
  get(key: string, defaultValue?: unknown): unknown;
  set<K extends keyof T & string>(key: K, value: T[K]): void;
  set(key: string, value: unknown): void;
  set(object: Partial<T>): void;
  has(key: string): boolean;
  delete(key: string): void;
  clear(): void;
  store: T;
  readonly path: string;
}

// Secrets belong in the vault (sealed), never in a settings file that anyone can copy.
const secretKey = /auth_?key|auzkey|passphrase|password|token|secret|^pin$|pin_?code|supervisor_?pin/i;
const unsafePart = new Set(['__proto__', 'constructor', 'prototype']);

function checkKey(key: string): void {
  const parts = key.split('.');
  if (parts.some((part) => unsafePart.has(part))) throw new AppError('BAD_SETTING_KEY', `"${key}" is not a valid settings key.`);
  if (parts.some((part) => secretKey.test(part)))
    throw new AppError('SETTING_IS_SECRET', `"${key}" looks like a secret; store it in the vault, not in settings.`);
}

/**
 * A conf store (conf or electron-store) with our two rules on top: no secrets
 * and no prototype keys. Reading, dotted paths, defaults and the atomic write
 * (temp file, fsync, rename) are conf's.
 */
class Settings<T extends Record<string, unknown>> implements SettingsStore<T> {
  readonly #conf: Conf<T>;

  constructor(conf: Conf<T>) {
    this.#conf = conf;
  }

  get path(): string {
    return this.#conf.path;
  }

  get(key: string, defaultValue?: unknown): never {
    return (this.#conf as Conf).get(key, defaultValue) as never;
  }

  set(keyOrObject: string | Partial<T>, value?: unknown): void {
    if (typeof keyOrObject === 'string') {
      checkKey(keyOrObject);
      if (value === undefined) throw new AppError('BAD_SETTING_VALUE', `Setting "${keyOrObject}" needs a value; use delete to remove it.`);
      (this.#conf as Conf).set(keyOrObject, value);
    } else {
      for (const key of Object.keys(keyOrObject)) checkKey(key);
      (this.#conf as Conf).set(keyOrObject);
    }
  }

  has(key: string): boolean {
    return (this.#conf as Conf).has(key);
  }

  delete(key: string): void {
    (this.#conf as Conf).delete(key);
  }

  /** Back to the defaults. */
  clear(): void {
    this.#conf.clear();
  }

  get store(): T {
    return this.#conf.store;
  }

  set store(value: T) {
    for (const key of Object.keys(value)) checkKey(key);
    this.#conf.store = value;
  }
}

/**
 * Opens a settings store built by `open` (conf, or electron-store in the
 * shell). A file that cannot be read or is not JSON stops the start with a
 * plain instruction instead of being replaced by the defaults.
 */
export function openSettings<T extends Record<string, unknown>>(open: () => Conf<T>, file: string): SettingsStore<T> {
  try {
    return new Settings(open());
  } catch (e) {
    if (e instanceof SyntaxError)
      throw new AppError(
        'SETTINGS_CORRUPT',
        `The settings file ${file} is not valid JSON; fix it or delete it to start from the defaults.`,
        undefined,
        { cause: e },
      );
    throw new AppError('SETTINGS_UNREADABLE', `The settings file ${file} cannot be read; check its permissions.`, undefined, { cause: e });
  }
}

/** Settings in the JSON file `path` (plain Node: the headless station and the browser host), readable by its owner only. */
export function fileSettings<T extends Record<string, unknown> = Record<string, unknown>>(options: {
  path: string;
  defaults?: T;
}): SettingsStore<T> {
  const { path, defaults } = options;
  return openSettings(
    () =>
      new Conf<T>({ cwd: dirname(path), configName: basename(path, '.json'), ...(defaults ? { defaults } : {}), configFileMode: 0o600 }),
    path,
  );
}
