import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../../common/errors';

/**
 * Settings that are not secrets (slot layout, last group, UI language).
 * The shape is electron-store's, so the Electron shell can pass an
 * electron-store instance; plain Node uses JsonFileSettings.
 * Keys may be dotted paths ("slots.1.port"), as in electron-store.
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

function refuseSecret(key: string): void {
  if (key.split('.').some((part) => secretKey.test(part))) {
    throw new AppError('SETTING_IS_SECRET', `"${key}" looks like a secret; store it in the vault, not in settings.`);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function getPath(obj: Obj, key: string): unknown {
  let cur: unknown = obj;
  for (const part of key.split('.')) {
    if (!isObj(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function setPath(obj: Obj, key: string, value: unknown): void {
  const parts = key.split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    if (part === '__proto__' || part === 'constructor' || part === 'prototype') throw new AppError('BAD_SETTING_KEY', `"${key}" is not a valid settings key.`);
    if (!isObj(cur[part])) cur[part] = {};
    cur = cur[part] as Obj;
  }
  const last = parts.at(-1) as string;
  if (last === '__proto__' || last === 'constructor' || last === 'prototype') throw new AppError('BAD_SETTING_KEY', `"${key}" is not a valid settings key.`);
  cur[last] = value;
}

function deletePath(obj: Obj, key: string): void {
  const parts = key.split('.');
  let cur: unknown = obj;
  for (const part of parts.slice(0, -1)) {
    if (!isObj(cur)) return;
    cur = cur[part];
  }
  if (isObj(cur)) delete cur[parts.at(-1) as string];
}

/** A JSON file written atomically (temp file, fsync, rename): a crash leaves the old or the new file, never half of one. */
export class JsonFileSettings<T extends Record<string, unknown> = Record<string, unknown>> implements SettingsStore<T> {
  readonly path: string;
  readonly #defaults: T;
  #data: Obj;

  constructor(options: { path: string; defaults?: T }) {
    this.path = options.path;
    this.#defaults = structuredClone(options.defaults ?? ({} as T));
    this.#data = { ...structuredClone(this.#defaults), ...this.#read() };
  }

  #read(): Obj {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new AppError('SETTINGS_UNREADABLE', `The settings file ${this.path} cannot be read; check its permissions.`, undefined, { cause: e });
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (!isObj(parsed)) throw new Error('not an object');
      return parsed;
    } catch (cause) {
      throw new AppError('SETTINGS_CORRUPT', `The settings file ${this.path} is not valid JSON; fix it or delete it to start from the defaults.`, undefined, { cause });
    }
  }

  #write(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.tmp`;
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(this.#data, null, 2) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      renameSync(temp, this.path);
    } catch (e) {
      rmSync(temp, { force: true });
      throw e;
    }
  }

  get(key: string, defaultValue?: unknown): never {
    const value = getPath(this.#data, key);
    return structuredClone(value === undefined ? defaultValue : value) as never;
  }

  set(keyOrObject: string | Partial<T>, value?: unknown): void {
    if (typeof keyOrObject === 'string') {
      refuseSecret(keyOrObject);
      if (value === undefined) throw new AppError('BAD_SETTING_VALUE', `Setting "${keyOrObject}" needs a value; use delete to remove it.`);
      setPath(this.#data, keyOrObject, structuredClone(value));
    } else {
      for (const key of Object.keys(keyOrObject)) refuseSecret(key);
      for (const [key, v] of Object.entries(keyOrObject)) setPath(this.#data, key, structuredClone(v));
    }
    this.#write();
  }

  has(key: string): boolean {
    return getPath(this.#data, key) !== undefined;
  }

  delete(key: string): void {
    deletePath(this.#data, key);
    this.#write();
  }

  /** Back to the defaults (as electron-store's clear does). */
  clear(): void {
    this.#data = structuredClone(this.#defaults);
    this.#write();
  }

  get store(): T {
    return structuredClone(this.#data) as T;
  }

  set store(value: T) {
    for (const key of Object.keys(value)) refuseSecret(key);
    this.#data = structuredClone(value);
    this.#write();
  }
}
