import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { AppError } from '../../common/errors';

/** The newest durable state of a vault as the station last knew it: its audit head. */
export interface AnchorState {
  seq: number;
  hash: string;
  at: number;
}

const SLOT_BYTES = 256;
const digest = (body: string): string => createHash('sha256').update(body).digest('hex').slice(0, 16);

function decode(bytes: Buffer): AnchorState | null {
  const text = bytes.toString('utf8').trimEnd();
  const m = /^(\{.*\}) ([0-9a-f]{16})$/.exec(text);
  if (!m || digest(m[1] as string) !== m[2]) return null;
  try {
    const v = JSON.parse(m[1] as string) as Partial<AnchorState>;
    if (typeof v.seq !== 'number' || typeof v.hash !== 'string' || typeof v.at !== 'number') return null;
    return { seq: v.seq, hash: v.hash, at: v.at };
  } catch {
    return null;
  }
}

/**
 * Where the headless station keeps a vault's anchor: the station's state folder (not the vault's
 * folder, so copying or restoring that folder does not bring an old anchor with it), one file per
 * vault path. `CS_STATE_DIR` moves the folder.
 */
export function defaultAnchorPath(vaultPath: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const base = env.CS_STATE_DIR ?? join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'credential-station');
  const key = createHash('sha256').update(resolve(vaultPath)).digest('hex').slice(0, 24);
  return join(base, 'anchors', `${key}.anchor`);
}

/**
 * The anchor file: two fixed 256-byte slots, written alternately (by sequence) with a checksum, so
 * a write cut short leaves the other slot intact. Reading takes the valid slot with the higher
 * sequence. A write has no fsync of its own: it follows the vault's fsynced commit, so whatever a
 * power cut does to it, the anchor can only fall behind the vault, never get ahead of it (a false
 * alarm); and what the anchor guards against (files deleted or restored by hand) happens with the
 * OS running, which sees the write at once.
 */
export class AnchorFile {
  readonly path: string;
  #fd: number | null;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
  }

  static open(path: string): AnchorFile {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      let fd: number;
      try {
        fd = openSync(path, 'r+');
      } catch {
        fd = openSync(path, 'w+', 0o600);
      }
      return new AnchorFile(path, fd);
    } catch (cause) {
      throw new AppError(
        'ANCHOR_UNWRITABLE',
        `The vault's anchor file ${path} cannot be opened; check that folder's permissions (or set CS_STATE_DIR).`,
        { path },
        { cause },
      );
    }
  }

  read(): AnchorState | null {
    const fd = this.#live();
    const buf = Buffer.alloc(SLOT_BYTES * 2);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const states = [0, 1]
      .map((i) => (n >= (i + 1) * SLOT_BYTES ? decode(buf.subarray(i * SLOT_BYTES, (i + 1) * SLOT_BYTES)) : null))
      .filter((s): s is AnchorState => s !== null);
    return states.sort((a, b) => b.seq - a.seq)[0] ?? null;
  }

  write(state: AnchorState): void {
    this.#writeSlot(state, state.seq % 2);
  }

  #writeSlot(state: AnchorState, slotIndex: number): void {
    const fd = this.#live();
    const body = JSON.stringify({ seq: state.seq, hash: state.hash, at: state.at });
    const slot = Buffer.alloc(SLOT_BYTES, 0x20);
    slot.write(`${body} ${digest(body)}`, 0, 'utf8');
    writeSync(fd, slot, 0, SLOT_BYTES, slotIndex * SLOT_BYTES);
  }

  /** Both slots to `state`: an anchor that moves back (a vault reconciled with the hub) leaves no newer slot behind. */
  reset(state: AnchorState): void {
    this.#writeSlot(state, 0);
    this.#writeSlot(state, 1);
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }

  #live(): number {
    if (this.#fd === null) throw new AppError('VAULT_LOCKED', 'The vault is closed; unlock it again.');
    return this.#fd;
  }
}
