import { randomInt } from 'node:crypto';
import { AppError } from '../../common/errors';
import { newId } from '../../common/ids';
import type {
  DownloadContact,
  EnrollRequest,
  EnrollResponse,
  EnrollmentCode,
  Factory,
  Line,
  Station,
  StationSelf,
} from '../../common/hub-api';
import { downloadContactSchema, emailSchema, writtenPhoneSchema } from '../../common/hub-api';
import type { Tx } from '../store';
import type { StationTable } from '../store/schema';
import type { HubDeps } from './context';
import { enrollmentCodeCandidates, enrollmentCodeHash } from './authkeys';
import { isoIn, nowIso, randomToken, sha256 } from './util';

export const toStation = (r: StationTable): Station => ({
  id: r.id,
  name: r.name,
  factoryId: r.factory_id,
  lineId: r.line_id,
  downloadContact:
    r.contact_channel !== null && r.contact_destination !== null
      ? { channel: r.contact_channel === 'sms' ? 'sms' : 'email', destination: r.contact_destination }
      : null,
  enrolled: r.token_hash !== null && r.revoked_at === null,
  enrolledAt: r.enrolled_at,
  revokedAt: r.revoked_at,
  createdAt: r.created_at,
});

export async function createFactory(deps: HubDeps, name: string): Promise<Factory> {
  const row = { id: newId(), name, created_at: nowIso(deps) };
  await deps.store.db.insertInto('factories').values(row).execute();
  return { id: row.id, name, createdAt: row.created_at, lines: [] };
}

/** Factories with their lines and stations; `factoryId`: that one only (a factory account's view). */
export async function listFactories(deps: HubDeps, factoryId: string | null = null): Promise<{ factories: Factory[] }> {
  const db = deps.store.db;
  const [factories, lines, stations] = await Promise.all([
    (factoryId === null ? db.selectFrom('factories').selectAll() : db.selectFrom('factories').selectAll().where('id', '=', factoryId))
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
    db.selectFrom('lines').selectAll().orderBy('created_at').orderBy('id').execute(),
    db.selectFrom('stations').selectAll().orderBy('created_at').orderBy('id').execute(),
  ]);
  return {
    factories: factories.map((f) => ({
      id: f.id,
      name: f.name,
      createdAt: f.created_at,
      lines: lines
        .filter((l) => l.factory_id === f.id)
        .map((l) => ({
          id: l.id,
          factoryId: l.factory_id,
          name: l.name,
          createdAt: l.created_at,
          stations: stations.filter((s) => s.line_id === l.id).map(toStation),
        })),
    })),
  };
}

export async function createLine(deps: HubDeps, factoryId: string, name: string): Promise<Line> {
  const f = await deps.store.db.selectFrom('factories').select('id').where('id', '=', factoryId).executeTakeFirst();
  if (!f) throw new AppError('FACTORY_NOT_FOUND', `There is no factory ${factoryId}.`, { factoryId });
  const row = { id: newId(), factory_id: factoryId, name, created_at: nowIso(deps) };
  await deps.store.db.insertInto('lines').values(row).execute();
  return { id: row.id, factoryId, name, createdAt: row.created_at, stations: [] };
}

export async function createStation(deps: HubDeps, lineId: string, name: string): Promise<Station> {
  const line = await deps.store.db.selectFrom('lines').selectAll().where('id', '=', lineId).executeTakeFirst();
  if (!line) throw new AppError('LINE_NOT_FOUND', `There is no line ${lineId}.`, { lineId });
  const row: StationTable = {
    id: newId(),
    factory_id: line.factory_id,
    line_id: lineId,
    name,
    token_hash: null,
    hostname: null,
    enrolled_at: null,
    revoked_at: null,
    last_seen_at: null,
    lease_counter: 0,
    contact_channel: null,
    contact_destination: null,
    created_at: nowIso(deps),
    outbox_length: null,
    suspect_count: null,
    status_at: null,
    audit_seq: null,
    audit_hash: null,
  };
  await deps.store.db.insertInto('stations').values(row).execute();
  return toStation(row);
}

export async function getStation(deps: HubDeps, stationId: string): Promise<StationTable> {
  const row = await deps.store.db.selectFrom('stations').selectAll().where('id', '=', stationId).executeTakeFirst();
  if (!row) throw new AppError('STATION_NOT_FOUND', `There is no station ${stationId}.`, { stationId });
  return row;
}

// Enrollment codes are typed by a person: no 0/O/1/I/L.
const codeAlphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const normaliseCode = (code: string): string => code.toUpperCase().replace(/[^0-9A-Z]/g, '');

export async function createEnrollmentCode(deps: HubDeps, stationId: string, ttlMinutes: number): Promise<EnrollmentCode> {
  await getStation(deps, stationId);
  let raw = '';
  for (let i = 0; i < 12; i++) raw += codeAlphabet[randomInt(codeAlphabet.length)];
  const code = `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`;
  const expiresAt = isoIn(deps, ttlMinutes * 60_000);
  const now = nowIso(deps);
  await deps.store.tx(async (trx) => {
    // Only the newest code of a station is open: one handed out earlier (and maybe lost) stops working.
    await cancelOpenCodes(trx, stationId, now);
    await trx
      .insertInto('enrollment_codes')
      .values({
        code_hash: enrollmentCodeHash(deps.keyring, raw),
        station_id: stationId,
        expires_at: expiresAt,
        used_at: null,
        created_at: now,
      })
      .execute();
  });
  deps.logger.info({ stationId, expiresAt }, 'enrollment code created');
  return { stationId, code, expiresAt };
}

/** Trades a one-time enrollment code for a new station token (any older token of the station stops working). */
export async function enroll(deps: HubDeps, req: EnrollRequest): Promise<EnrollResponse> {
  // Kept as a keyed hash (authkeys.ts): a stolen database does not give the codes back by trying them.
  const candidates = enrollmentCodeCandidates(deps.keyring, normaliseCode(req.code));
  const now = nowIso(deps);
  const token = randomToken('hst_');
  const station = await deps.store.tx(async (trx) => {
    const code = await deps.store
      .lockForUpdate(trx.selectFrom('enrollment_codes').selectAll().where('code_hash', 'in', candidates))
      .executeTakeFirst();
    if (!code)
      throw new AppError(
        'ENROLLMENT_CODE_INVALID',
        'This enrollment code is not valid: check it, or ask the hub administrator for a new one.',
      );
    if (code.used_at !== null)
      throw new AppError('ENROLLMENT_CODE_USED', 'This enrollment code was already used: ask the hub administrator for a new one.');
    if (code.expires_at <= now)
      throw new AppError('ENROLLMENT_CODE_EXPIRED', 'This enrollment code has expired: ask the hub administrator for a new one.');
    await trx.updateTable('enrollment_codes').set({ used_at: now }).where('code_hash', '=', code.code_hash).execute();
    await trx
      .updateTable('stations')
      .set({ token_hash: sha256(token), enrolled_at: now, revoked_at: null, hostname: req.hostname ?? null, last_seen_at: now })
      .where('id', '=', code.station_id)
      .execute();
    return trx.selectFrom('stations').selectAll().where('id', '=', code.station_id).executeTakeFirstOrThrow();
  });
  deps.logger.info({ stationId: station.id }, 'station enrolled');
  return { stationId: station.id, stationName: station.name, factoryId: station.factory_id, lineId: station.line_id, token };
}

/** Where the hub sends the download codes a station asks for (the supervisor's phone or mailbox). */
export async function setDownloadContact(deps: HubDeps, stationId: string, contact: DownloadContact): Promise<Station> {
  const parsed = downloadContactSchema.safeParse(contact);
  if (!parsed.success) throw new AppError('DOWNLOAD_CONTACT_INVALID', 'A download contact goes by "email" or "sms": name one of them.');
  const c = { channel: parsed.data.channel, destination: contactAddress(parsed.data) };
  await getStation(deps, stationId);
  await deps.store.db
    .updateTable('stations')
    .set({ contact_channel: c.channel, contact_destination: c.destination })
    .where('id', '=', stationId)
    .execute();
  deps.logger.info({ stationId, channel: c.channel }, 'station download contact set');
  return toStation(await getStation(deps, stationId));
}

/** The address in the form the senders take, or a refusal that says how to write it. */
function contactAddress({ channel, destination }: DownloadContact): string {
  if (channel === 'email') {
    const email = emailSchema.safeParse(destination);
    if (email.success) return email.data;
    throw new AppError('CONTACT_EMAIL_INVALID', `"${destination}" is not an email address: write it as name@example.com.`);
  }
  const phone = writtenPhoneSchema.safeParse(destination);
  if (phone.success) return phone.data;
  throw new AppError(
    'CONTACT_PHONE_INVALID',
    `"${destination}" is not a phone number in international form: write + and the country code, then the number (6 to 15 digits in all; spaces and dashes are fine).`,
  );
}

/** Ends the open enrollment codes of a station (they read as expired from now on). */
async function cancelOpenCodes(trx: Tx, stationId: string, now: string): Promise<void> {
  await trx
    .updateTable('enrollment_codes')
    .set({ expires_at: now })
    .where('station_id', '=', stationId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();
}

export async function revokeStation(deps: HubDeps, stationId: string): Promise<Station> {
  await getStation(deps, stationId);
  const now = nowIso(deps);
  await deps.store.tx(async (trx) => {
    // Codes first: an enrollment running right now holds its code's row, so the revocation waits for it and then wins.
    await cancelOpenCodes(trx, stationId, now);
    await trx.updateTable('stations').set({ token_hash: null, revoked_at: now }).where('id', '=', stationId).execute();
  });
  deps.logger.info({ stationId }, 'station token revoked');
  return toStation(await getStation(deps, stationId));
}

/** The station a bearer token belongs to, or UNAUTHORIZED. */
export async function authenticateStation(deps: HubDeps, token: string): Promise<StationTable> {
  const row = await deps.store.db.selectFrom('stations').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirst();
  if (!row || row.revoked_at !== null)
    throw new AppError('UNAUTHORIZED', 'This station token is not valid (unknown or revoked): enroll the station again.');
  return row;
}

export const stationSelf = (s: StationTable): StationSelf => ({
  stationId: s.id,
  stationName: s.name,
  factoryId: s.factory_id,
  lineId: s.line_id,
});
