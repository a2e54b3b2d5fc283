import { AppError } from '../../common/errors';

// The two conditions of the vault's file that have their own codes (never INTERNAL): damage and a full disk.

/** What SQLite says when a file is damaged (or not a database at all). */
export function isDamageError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

export const damageAdvice = 'put the newest backup of the vault (made with station backup) in its place; nothing is offered meanwhile.';

/** A damaged vault as an AppError with its own code (never INTERNAL). */
export function damagedError(e: unknown, where = 'The vault file'): AppError {
  return new AppError('VAULT_DAMAGED', `${where} is damaged (${e instanceof Error ? e.message : String(e)}): ${damageAdvice}`, undefined, {
    cause: e,
  });
}

/** What SQLite (or the OS) says when the disk is full. */
export function isDiskFullError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC';
}

/** A full disk as an AppError with its own code (never INTERNAL). */
export function diskFullError(e?: unknown): AppError {
  return new AppError(
    'DISK_FULL',
    'The disk of the vault is full: nothing more can be recorded. Free space on it, then start again.',
    undefined,
    e === undefined ? undefined : { cause: e },
  );
}
