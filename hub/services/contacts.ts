/**
 * An account's email and phone: set by the account, verified by a code sent to them, and the only places the
 * hub sends that account's download codes to.
 */
import { sql } from 'kysely';
import { AppError } from '../../common/errors';
import { newId } from '../../common/ids';
import { contactInputSchema, type ContactInput, type DownloadCodeInput, type Session } from '../../common/hub-api';
import type { AccountTable } from '../store/schema';
import { currentSession, type Principal } from './accounts';
import { codeMac } from './authkeys';
import type { HubDeps } from './context';
import { judgeCode, newCode, type Contact } from './one-time-codes';
import { maskDestination } from './sender';
import { isoIn, nowIso } from './util';

const channelWords = { email: 'email address', sms: 'phone number' } as const;

/** Where this account's download codes go: its verified email or phone; a destination the client names must be that one. */
export function verifiedContact(account: AccountTable, input: DownloadCodeInput): Contact {
  const [address, verifiedAt] =
    input.channel === 'email' ? [account.email, account.email_verified_at] : [account.phone, account.phone_verified_at];
  if (address === null || verifiedAt === null) {
    throw new AppError(
      'CONTACT_NOT_VERIFIED',
      `Your account has no verified ${channelWords[input.channel]} to send the code to: add it and verify it first (POST /v1/account/contact).`,
      { channel: input.channel },
    );
  }
  if (input.destination !== undefined && input.destination.trim().toLowerCase() !== address.toLowerCase()) {
    throw new AppError(
      'CONTACT_NOT_YOURS',
      `Codes go only to your account's verified ${channelWords[input.channel]} (${maskDestination(address)}): leave the destination out.`,
      { channel: input.channel },
    );
  }
  return { channel: input.channel, destination: address };
}

/** Sets the account's email or phone (unverified until the code comes back) and sends the code to it. */
export async function setContact(
  deps: HubDeps,
  p: Principal,
  raw: ContactInput,
): Promise<{ codeId: string; expiresAt: string; sentTo: string }> {
  const input = contactInputSchema.parse(raw);
  const accountId = p.account.id;
  const since = isoIn(deps, -deps.config.downloadCodeWindowMs);
  const recent = await deps.store.db
    .selectFrom('contact_codes')
    .select(sql<number>`count(*)`.as('n'))
    .where('account_id', '=', accountId)
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  if (Number(recent.n) >= deps.config.downloadCodesPerWindow) {
    throw new AppError(
      'CONTACT_CODE_RATE_LIMITED',
      'Too many verification codes were sent for your account recently: wait a few minutes and try again.',
    );
  }
  const id = newId();
  const code = newCode();
  const now = nowIso(deps);
  const expiresAt = isoIn(deps, deps.config.downloadCodeTtlMs);
  const column =
    input.channel === 'email'
      ? { email: input.destination, email_verified_at: null }
      : { phone: input.destination, phone_verified_at: null };
  const current = input.channel === 'email' ? p.account.email : p.account.phone;
  await deps.store.tx(async (trx) => {
    // A new address is unverified until its code comes back; asking again for the verified one keeps it verified meanwhile.
    if (current !== input.destination)
      await trx
        .updateTable('accounts')
        .set({ ...column, updated_at: now })
        .where('id', '=', accountId)
        .execute();
    await trx
      .insertInto('contact_codes')
      .values({
        id,
        account_id: accountId,
        channel: input.channel,
        destination: input.destination,
        code_hash: codeMac(deps.keyring, id, code),
        expires_at: expiresAt,
        used_at: null,
        attempts: 0,
        created_at: now,
      })
      .execute();
  });
  try {
    await deps.sender.send({ channel: input.channel, destination: input.destination, code, purpose: 'contact verification' });
  } catch (e) {
    await deps.store.db.deleteFrom('contact_codes').where('id', '=', id).execute();
    throw e;
  }
  return { codeId: id, expiresAt, sentTo: maskDestination(input.destination) };
}

type Verdict = { ok: true } | { ok: false; error: AppError };

/** The code sent to the contact came back: the contact is verified (if it is still the account's). */
export async function verifyContact(deps: HubDeps, p: Principal, input: { codeId: string; code: string }): Promise<Session> {
  const verdict = await deps.store.tx(async (trx): Promise<Verdict> => {
    const row = await deps.store
      .lockForUpdate(trx.selectFrom('contact_codes').selectAll().where('id', '=', input.codeId))
      .executeTakeFirst();
    if (!row || row.account_id !== p.account.id)
      throw new AppError('CONTACT_CODE_INVALID', 'This verification code is not valid for your account: ask for a new code.');
    const refused = judgeCode(deps, row, input.code, 'CONTACT_CODE', 'verification code');
    if (refused && !refused.wrong) throw refused.error;
    if (refused) {
      await trx
        .updateTable('contact_codes')
        .set({ attempts: row.attempts + 1 })
        .where('id', '=', row.id)
        .execute();
      return { ok: false, error: refused.error };
    }
    const now = nowIso(deps);
    await trx.updateTable('contact_codes').set({ used_at: now }).where('id', '=', row.id).execute();
    const account = await trx.selectFrom('accounts').selectAll().where('id', '=', p.account.id).executeTakeFirstOrThrow();
    const current = row.channel === 'email' ? account.email : account.phone;
    if (current !== row.destination)
      throw new AppError(
        'CONTACT_CHANGED',
        `Your ${channelWords[row.channel === 'sms' ? 'sms' : 'email']} was changed after this code was sent: verify the new one with its own code.`,
      );
    await trx
      .updateTable('accounts')
      .set({ [row.channel === 'email' ? 'email_verified_at' : 'phone_verified_at']: now, updated_at: now })
      .where('id', '=', account.id)
      .execute();
    return { ok: true };
  });
  if (!verdict.ok) throw verdict.error;
  const account = await deps.store.db.selectFrom('accounts').selectAll().where('id', '=', p.account.id).executeTakeFirstOrThrow();
  return currentSession(deps, { ...p, account });
}
