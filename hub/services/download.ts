/**
 * Downloading licenses needs a one-time code sent by email or SMS. Codes are
 * stored hashed, expire, work once, and lock after a few wrong tries. In
 * license_list mode the download is "confirm to generate and download" and
 * moves the credential to list_generated.
 */
import { sql } from 'kysely';
import { AppError } from '../../common/errors';
import { newId } from '../../common/ids';
import type { Download, DownloadCode, DownloadInput, DownloadPreview } from '../../common/hub-api';
import { downloadInputSchema } from '../../common/hub-api';
import type { CredentialTable } from '../store/schema';
import { openAuthkeys } from './authkey-opener';
import { codeMac } from './authkeys';
import { judgeCode, newCode, type Contact } from './one-time-codes';
import type { HubDeps } from './context';
import { lockCredential } from './credentials';
import { maskDestination } from './sender';
import { addEvent, assertOperable, chunks, credentialNotFound, isoIn, nowIso, type CredentialGuard } from './util';

function assertDownloadable(row: CredentialTable): void {
  assertOperable(row, 'downloaded');
  if (row.state !== 'valid' && row.state !== 'updated') {
    throw new AppError(
      'DOWNLOAD_NOT_ALLOWED',
      `Credential ${row.id} is ${row.state}: licenses can be downloaded only from a valid or updated credential.`,
      { credentialId: row.id, state: row.state },
    );
  }
}

/** The licenses a download of the credential would hand out now: its unused ones no station holds. */
async function downloadableCount(deps: HubDeps, credentialId: string): Promise<number> {
  const r = await deps.store.db
    .selectFrom('licenses')
    .select(sql<number>`count(*)`.as('n'))
    .where('credential_id', '=', credentialId)
    .where('status', '=', 'unused')
    .where('station_id', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** How many licenses a download would hand out, before any code is asked for (nothing is sent or counted). */
export async function downloadPreview(deps: HubDeps, credentialId: string, guard?: CredentialGuard): Promise<DownloadPreview> {
  const cred = await deps.store.db.selectFrom('credentials').selectAll().where('id', '=', credentialId).executeTakeFirst();
  if (!cred) throw credentialNotFound(credentialId);
  guard?.(cred);
  assertDownloadable(cred);
  const licenses = await downloadableCount(deps, credentialId);
  const held = await deps.store.db
    .selectFrom('licenses')
    .select(sql<number>`count(*)`.as('n'))
    .where('credential_id', '=', credentialId)
    .where('status', '=', 'unused')
    .where('station_id', 'is not', null)
    .executeTakeFirstOrThrow();
  return { credentialId, licenses, heldByStations: Number(held.n), deliveryMode: cred.delivery_mode as DownloadPreview['deliveryMode'] };
}

/** Sends a code for a download of `credentialId` to `to`: the signed-in account's verified contact, or the station's contact set by the hub operator. */
export async function sendDownloadCode(
  deps: HubDeps,
  credentialId: string,
  input: Contact,
  guard?: CredentialGuard,
): Promise<DownloadCode> {
  const cred = await deps.store.db.selectFrom('credentials').selectAll().where('id', '=', credentialId).executeTakeFirst();
  if (!cred) throw credentialNotFound(credentialId);
  guard?.(cred);
  assertDownloadable(cred);
  // nothing to hand out: say why, and no code is made or counted
  const { licenses, heldByStations } = await downloadPreview(deps, credentialId);
  if (licenses === 0) {
    throw new AppError(
      'DOWNLOAD_NOTHING',
      heldByStations > 0
        ? `Credential ${credentialId} has no license to download: its ${heldByStations} unused licenses are held by stations, which burn them. No code was sent.`
        : `Credential ${credentialId} has no unused license left to download. No code was sent.`,
      { credentialId, heldByStations },
    );
  }
  const since = isoIn(deps, -deps.config.downloadCodeWindowMs);
  const recent = await deps.store.db
    .selectFrom('download_codes')
    .select(sql<number>`count(*)`.as('n'))
    .where('credential_id', '=', credentialId)
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  if (Number(recent.n) >= deps.config.downloadCodesPerWindow) {
    throw new AppError(
      'DOWNLOAD_CODE_RATE_LIMITED',
      `Too many download codes were sent for credential ${credentialId} recently: wait a few minutes and try again.`,
      { credentialId },
    );
  }
  const codeId = newId();
  const code = newCode();
  const expiresAt = isoIn(deps, deps.config.downloadCodeTtlMs);
  await deps.store.db
    .insertInto('download_codes')
    .values({
      id: codeId,
      credential_id: credentialId,
      code_hash: codeMac(deps.keyring, codeId, code),
      channel: input.channel,
      destination: input.destination,
      expires_at: expiresAt,
      used_at: null,
      attempts: 0,
      created_at: nowIso(deps),
    })
    .execute();
  try {
    await deps.sender.send({ channel: input.channel, destination: input.destination, code, purpose: 'license download' });
  } catch (e) {
    // A code that never left the hub must not count against the group's codes, nor stay open.
    await deps.store.db.deleteFrom('download_codes').where('id', '=', codeId).execute();
    throw e;
  }
  return { codeId, expiresAt, sentTo: maskDestination(input.destination) };
}

type Verdict = { ok: true; download: Download } | { ok: false; error: AppError };

export async function downloadLicenses(
  deps: HubDeps,
  credentialId: string,
  raw: DownloadInput,
  guard?: CredentialGuard,
): Promise<Download> {
  const input = downloadInputSchema.parse(raw);
  // A wrong code must still count its attempt, so the verdict leaves the transaction as a value, not a throw.
  const verdict = await deps.store.tx(async (trx): Promise<Verdict> => {
    const row = await deps.store
      .lockForUpdate(trx.selectFrom('download_codes').selectAll().where('id', '=', input.codeId))
      .executeTakeFirst();
    const now = nowIso(deps);
    if (!row || row.credential_id !== credentialId)
      throw new AppError('DOWNLOAD_CODE_INVALID', 'This download code is not valid for this credential: ask for a new code.');
    const refused = judgeCode(deps, row, input.code, 'DOWNLOAD_CODE', 'download code');
    if (refused && !refused.wrong) throw refused.error;
    if (refused) {
      await trx
        .updateTable('download_codes')
        .set({ attempts: row.attempts + 1 })
        .where('id', '=', row.id)
        .execute();
      return { ok: false, error: refused.error };
    }
    const cred = await lockCredential(deps, trx, credentialId);
    guard?.(cred);
    assertDownloadable(cred);
    if (cred.delivery_mode === 'license_list' && !input.confirmGenerate) {
      throw new AppError(
        'LIST_CONFIRM_REQUIRED',
        `Credential ${credentialId} delivers a license list: confirm to generate and download it (confirmGenerate: true). After that it can no longer be split or changed.`,
        { credentialId },
      );
    }
    const licenses = await trx
      .selectFrom('licenses')
      .select(['uuid', 'authkey', 'mac', 'kind'])
      .where('credential_id', '=', credentialId)
      .where('status', '=', 'unused')
      .where('station_id', 'is', null)
      .orderBy('uuid')
      .execute();
    // Opened on the authkey worker while the licenses are marked exported (authkey-opener.ts).
    const opening = openAuthkeys(deps.keyring, licenses);
    opening.catch(() => undefined); // seen below; no unhandled rejection if a write fails first
    for (const part of chunks(
      licenses.map((l) => l.uuid),
      1000,
    ))
      await trx.updateTable('licenses').set({ status: 'exported' }).where('uuid', 'in', part).execute();
    await trx.updateTable('download_codes').set({ used_at: now }).where('id', '=', row.id).execute();
    const state = cred.delivery_mode === 'license_list' ? 'list_generated' : cred.state;
    await trx.updateTable('credentials').set({ state, updated_at: now }).where('id', '=', credentialId).execute();
    await addEvent(trx, deps, credentialId, cred.delivery_mode === 'license_list' ? 'list_generated' : 'downloaded', {
      licenses: licenses.length,
      channel: row.channel,
    });
    const authkeys = await opening;
    return {
      ok: true,
      download: {
        credentialId,
        deliveryMode: cred.delivery_mode as Download['deliveryMode'],
        state: state as Download['state'],
        licenses: licenses.map((l, i) => ({
          uuid: l.uuid,
          authkey: authkeys[i]!,
          mac: l.mac,
          kind: l.kind as 'purchased' | 'free',
        })),
      },
    };
  });
  if (!verdict.ok) throw verdict.error;
  deps.logger.info({ credentialId, licenses: verdict.download.licenses.length }, 'licenses downloaded');
  return verdict.download;
}
