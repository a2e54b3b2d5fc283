import { randomInt, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../common/errors';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/log';

const CODE_TTL_MS = 5 * 60_000;

/**
 * The station's own one-time codes (the burn report export): six digits, one
 * per purpose, valid 5 minutes and used once. The sender says where the code
 * went; without one the code goes to the station's log (development).
 */
export class OneTimeCodes {
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #sendCode: ((purpose: string, code: string) => string) | undefined;
  readonly #codes = new Map<string, { code: string; until: number }>();

  constructor(options: { clock: Clock; log: Logger; sendCode?: ((purpose: string, code: string) => string) | undefined }) {
    this.#clock = options.clock;
    this.#log = options.log;
    this.#sendCode = options.sendCode;
  }

  /** A new code for `purpose` (replacing the last one), sent; the answer says where and until when, never the code. */
  send(purpose: string): { sentTo: string; expiresAt: string; toStationLog?: true } {
    const expiresAt = new Date(this.#clock.now() + CODE_TTL_MS).toISOString();
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    this.#codes.set(purpose, { code, until: this.#clock.now() + CODE_TTL_MS });
    if (this.#sendCode) return { sentTo: this.#sendCode(purpose, code), expiresAt };
    this.#log.info({ purpose, oneTimeCode: code }, `one-time code for ${purpose}: ${code}`);
    return { sentTo: 'the station log (development sender)', expiresAt, toStationLog: true };
  }

  /** Uses the code of `purpose`; refused when there is none, it expired, or `code` is not it. */
  check(purpose: string, code: string): void {
    const c = this.#codes.get(purpose);
    if (c === undefined || c.until < this.#clock.now())
      throw new AppError('CODE_EXPIRED', 'There is no valid one-time code: ask for a new code, then enter it within 5 minutes.');
    if (c.code !== code) throw new AppError('WRONG_CODE', 'That one-time code is wrong: check the message and type it again.');
    this.#codes.delete(purpose);
  }
}

/**
 * The files a supervisor takes from the station (reports, license downloads,
 * transfer bundles) in its export folder, and uploaded bundles in a private
 * folder under the data folder until they are read.
 */
export class ExportFolder {
  readonly dir: string;
  readonly #dataDir: string;
  readonly #clock: Clock;

  constructor(options: { dataDir: string; exportDir?: string | undefined; clock: Clock }) {
    this.#dataDir = options.dataDir;
    this.dir = options.exportDir ?? join(options.dataDir, 'exports');
    this.#clock = options.clock;
  }

  /** Writes `text` as `name` (readable by the station's user only); the path. */
  write(name: string, text: string): string {
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  }

  /** Where a new transfer bundle of the group goes (the folder made). */
  bundlePath(groupId: string): string {
    mkdirSync(this.dir, { recursive: true });
    return join(this.dir, `transfer-${groupId.slice(0, 8)}-${this.stamp()}.bundle`);
  }

  /** The time in a file name. */
  stamp(): string {
    return new Date(this.#clock.now()).toISOString().replace(/[:.]/g, '-');
  }

  /** The bundle to import: the named file, or the uploaded bytes in a private file that is removed afterwards. */
  async withBundleFile<T>(
    input: { filePath?: string | undefined; contentBase64?: string | undefined },
    fn: (path: string) => Promise<T>,
  ): Promise<T> {
    if (input.filePath !== undefined) return fn(input.filePath);
    const dir = join(this.#dataDir, 'imports');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, `upload-${randomUUID()}.bundle`);
    writeFileSync(path, Buffer.from(input.contentBase64 ?? '', 'base64'), { mode: 0o600 });
    try {
      return await fn(path);
    } finally {
      rmSync(path, { force: true });
    }
  }
}
