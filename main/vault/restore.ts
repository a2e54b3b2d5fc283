import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { AppError, isAppError } from '../../common/errors';
import { systemClock, type Clock } from '../../common/clock';
import type { Logger } from '../../common/log';
import { AnchorFile } from './anchor';
import type { KeyWrapper } from './key-wrappers';
import { VaultLock } from './lock';
import { Vault } from './vault';

export interface RestoreOptions {
  /** The vault file the station uses: the copy takes its place. */
  path: string;
  /** The copy to take (made with `station backup`, or any earlier copy of this vault). */
  from: string;
  wrapper: KeyWrapper;
  /** The vault's anchor: the copy must hold the newest state it recorded. */
  anchorPath: string;
  clock?: Clock;
  logger?: Logger;
}

export interface RestoreResult {
  /** The copy's newest audit entry once taken (its `vault.restored` entry). */
  seq: number;
  /** The anchored entry the copy was checked against, or null when this station had none. */
  anchoredSeq: number | null;
  /** Where the vault that was replaced now is (kept, never deleted), or null when there was none. */
  keptAs: string | null;
}

const sidecars = ['', '-wal', '-shm'] as const;
const stamp = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/**
 * Puts a copy of the vault back in its place, after checking it: it opens with the passphrase, it
 * is not damaged, its audit chain verifies, and it holds the newest state the station's anchor
 * recorded (a copy older than that would offer licenses already burned: refused, nothing changed).
 * The copy is checked as a working file beside the vault (the backup itself is never written to),
 * records `vault.restored`, and replaces the vault by rename; the replaced vault is kept beside it.
 * Holds the vault's lock throughout: refused while a station process has the vault open.
 */
export async function restoreVault(options: RestoreOptions): Promise<RestoreResult> {
  const { path, from } = options;
  if (resolve(from) === resolve(path)) throw new AppError('BAD_ARGUMENT', `${from} is the vault itself: give the copy to restore from.`);
  if (!existsSync(from)) throw new AppError('RESTORE_NOT_FOUND', `No copy at ${from}: check the path of the backup.`);
  const lock = VaultLock.acquire(path);
  const working = `${path}.restoring`;
  try {
    removeFiles(working);
    for (const suffix of sidecars) if (existsSync(`${from}${suffix}`)) copyFileSync(`${from}${suffix}`, `${working}${suffix}`);
    const anchored = AnchorFile.open(options.anchorPath);
    let result: Omit<RestoreResult, 'keptAs'>;
    try {
      result = await checkCopy(options, working, anchored.read());
    } finally {
      anchored.close();
    }
    const now = (options.clock ?? systemClock).now();
    const keptAs = existsSync(path) ? `${path}.replaced-${stamp(now)}` : null;
    if (keptAs !== null)
      for (const suffix of sidecars) if (existsSync(`${path}${suffix}`)) renameSync(`${path}${suffix}`, `${keptAs}${suffix}`);
    for (const suffix of sidecars) if (existsSync(`${working}${suffix}`)) renameSync(`${working}${suffix}`, `${path}${suffix}`);
    return { ...result, keptAs };
  } finally {
    removeFiles(working);
    lock.release();
  }
}

async function checkCopy(
  options: RestoreOptions,
  working: string,
  anchor: { seq: number; hash: string } | null,
): Promise<Omit<RestoreResult, 'keptAs'>> {
  let copy: Vault;
  try {
    copy = await Vault.open({
      path: working,
      wrapper: options.wrapper,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  } catch (e) {
    if (isAppError(e) && e.code === 'WRONG_PASSPHRASE')
      throw new AppError(
        'WRONG_PASSPHRASE',
        `${basename(options.from)} does not open with this passphrase: it is not a copy of this vault, or it was made under another passphrase. Nothing was restored.`,
        undefined,
        { cause: e },
      );
    if (isAppError(e) && ['VAULT_NOT_INITIALIZED', 'VAULT_UNREADABLE', 'VAULT_DAMAGED', 'VAULT_TAMPERED'].includes(e.code))
      throw new AppError(
        'VAULT_DAMAGED',
        `${basename(options.from)} is no usable copy of the vault (${e.message}) Nothing was restored.`,
        undefined,
        { cause: e },
      );
    throw e;
  }
  try {
    if (copy.damage !== null)
      throw new AppError(
        'VAULT_DAMAGED',
        `The copy ${basename(options.from)} is damaged too (${copy.damage}) Nothing was restored: use another copy.`,
      );
    const chain = copy.audit.verify();
    if (!chain.ok)
      throw new AppError(
        'RESTORE_REFUSED',
        `The copy ${basename(options.from)} does not verify (${chain.reason}): it was altered. Nothing was restored: use another copy.`,
      );
    const head = copy.audit.head();
    if (anchor && anchor.seq > 0 && copy.audit.hashAt(anchor.seq) !== anchor.hash) {
      const copySeq = head?.seq ?? 0;
      const text =
        copySeq >= anchor.seq
          ? `The copy ${basename(options.from)} is not a copy of this vault's last known state (its entry ${anchor.seq.toLocaleString('en-US')} differs)`
          : `The copy ${basename(options.from)} is older than this vault's last known state (entry ${copySeq.toLocaleString('en-US')} of ${anchor.seq.toLocaleString('en-US')})`;
      throw new AppError(
        'RESTORE_BEHIND',
        `${text}: it would offer licenses that are already in modules. Nothing was restored: use the newest copy.`,
        { copySeq, anchoredSeq: anchor.seq },
      );
    }
    const entry = copy.db
      .transaction(() =>
        copy.audit.append({
          action: 'vault.restored',
          detail: { from: basename(options.from), copySeq: head?.seq ?? 0, anchoredSeq: anchor?.seq ?? null },
        }),
      )
      .immediate();
    return { seq: entry.seq, anchoredSeq: anchor?.seq ?? null };
  } finally {
    copy.close();
  }
}

function removeFiles(base: string): void {
  for (const suffix of sidecars) rmSync(`${base}${suffix}`, { force: true });
  for (const suffix of ['.lock', '.lock-journal', '.lock-wal']) rmSync(`${base}${suffix}`, { force: true });
}
