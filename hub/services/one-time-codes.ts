/**
 * Six-digit codes sent to a person (download codes, contact verification): made here, stored as an HMAC under
 * the hub's key, and judged the same way (used, expired, locked after too many wrong tries, wrong).
 */
import { randomInt } from 'node:crypto';
import { AppError } from '../../common/errors';
import { codeMacs } from './authkeys';
import type { HubDeps } from './context';
import { nowIso, sameHash } from './util';

/** Where a code goes. */
export interface Contact {
  channel: 'email' | 'sms';
  destination: string;
}

export const newCode = (): string => String(randomInt(0, 1_000_000)).padStart(6, '0');

interface StoredCode {
  id: string;
  code_hash: string;
  used_at: string | null;
  expires_at: string;
  attempts: number;
}

/**
 * Why `code` does not open `row` (null: it does). `wrong` is true when the try must count against the code.
 * `prefix` names the error codes (DOWNLOAD_CODE_USED, CONTACT_CODE_USED, ...), `noun` the code in the message.
 */
export function judgeCode(
  deps: Pick<HubDeps, 'clock' | 'keyring' | 'config'>,
  row: StoredCode,
  code: string,
  prefix: string,
  noun: string,
): { error: AppError; wrong: boolean } | null {
  if (row.used_at !== null)
    return { error: new AppError(`${prefix}_USED`, `This ${noun} was already used: ask for a new code.`), wrong: false };
  if (row.expires_at <= nowIso(deps))
    return { error: new AppError(`${prefix}_EXPIRED`, `This ${noun} has expired: ask for a new code.`), wrong: false };
  const max = deps.config.downloadCodeMaxAttempts;
  if (row.attempts >= max)
    return { error: new AppError(`${prefix}_LOCKED`, `Too many wrong tries for this ${noun}: ask for a new code.`), wrong: false };
  if (codeMacs(deps.keyring, row.id, code).some((mac) => sameHash(row.code_hash, mac))) return null;
  const left = max - row.attempts - 1;
  return {
    error: new AppError(`${prefix}_WRONG`, `That code is wrong (${left} ${left === 1 ? 'try' : 'tries'} left).`, { triesLeft: left }),
    wrong: true,
  };
}
