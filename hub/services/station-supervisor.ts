/**
 * The supervisor console of a station, on the hub: the same lifecycle
 * operations as the admin API, called with the station's own token and limited
 * to its groups. A station reads what it sees (its groups and those its line
 * shares) and changes only the groups assigned to it. Anything else is
 * NOT_YOUR_GROUP, with the same words whether the group exists or not.
 * Approve and pay stay with the hub operator.
 */
import { AppError } from '../../common/errors';
import type {
  Download,
  DownloadCode,
  DownloadInput,
  DownloadPreview,
  Job,
  Notice,
  ThirdPartyJobInput,
  UpdateDetails,
  UpdateRequest,
  UpdateRequestInput,
  UpdateTransition,
  CredentialEvent,
} from '../../common/hub-api';
import type { CredentialTable, StationTable } from '../store/schema';
import type { HubDeps } from './context';
import { credentialHistory } from './credentials';
import * as download from './download';
import * as jobs from './jobs';
import * as updates from './updates';
import { visibleTo, type CredentialGuard } from './util';

const notYourGroup = (credentialId: string): AppError =>
  new AppError(
    'NOT_YOUR_GROUP',
    `Group ${credentialId} is not assigned to this station: ask the hub operator to do it, or to assign the group to this station.`,
    { credentialId },
  );
const notYourUpdate = (updateId: string): AppError =>
  new AppError('NOT_YOUR_GROUP', `Update request ${updateId} is not about a group of this station: ask the hub operator.`, { updateId });
const notYourJob = (jobId: string): AppError =>
  new AppError('NOT_YOUR_GROUP', `Job ${jobId} is not about a group of this station: ask the hub operator.`, { jobId });

type Row = Pick<CredentialTable, 'id' | 'station_id' | 'line_id'>;

/** A group the station may change: assigned to it, not merely shared by its line. */
const owns = (row: Row, station: StationTable): boolean => row.station_id === station.id;

/** Re-checked inside the operation's transaction: a group moved away meanwhile is refused. */
const ownedGuard =
  (station: StationTable): CredentialGuard =>
  (row) => {
    if (!owns(row, station)) throw notYourGroup(row.id);
  };

async function credentialRow(deps: HubDeps, credentialId: string): Promise<Row | undefined> {
  return deps.store.db.selectFrom('credentials').select(['id', 'station_id', 'line_id']).where('id', '=', credentialId).executeTakeFirst();
}

async function assertSees(deps: HubDeps, station: StationTable, credentialId: string): Promise<void> {
  const row = await credentialRow(deps, credentialId);
  if (!row || !visibleTo(row, station)) throw notYourGroup(credentialId);
}

async function assertOwns(deps: HubDeps, station: StationTable, credentialId: string): Promise<void> {
  const row = await credentialRow(deps, credentialId);
  if (!row || !owns(row, station)) throw notYourGroup(credentialId);
}

async function updateCredentialId(deps: HubDeps, updateId: string): Promise<string | undefined> {
  const r = await deps.store.db.selectFrom('update_requests').select('credential_id').where('id', '=', updateId).executeTakeFirst();
  return r?.credential_id;
}

export async function requestUpdate(
  deps: HubDeps,
  station: StationTable,
  credentialId: string,
  input: UpdateRequestInput,
): Promise<UpdateTransition> {
  await assertOwns(deps, station, credentialId);
  return updates.requestUpdate(deps, credentialId, input, ownedGuard(station));
}

export async function listUpdates(deps: HubDeps, station: StationTable, credentialId: string): Promise<{ updates: UpdateRequest[] }> {
  await assertSees(deps, station, credentialId);
  return updates.listUpdates(deps, credentialId);
}

export async function getUpdate(deps: HubDeps, station: StationTable, updateId: string): Promise<UpdateDetails> {
  const credentialId = await updateCredentialId(deps, updateId);
  const row = credentialId === undefined ? undefined : await credentialRow(deps, credentialId);
  if (!row || !visibleTo(row, station)) throw notYourUpdate(updateId);
  return updates.getUpdate(deps, updateId);
}

export async function recallUpdate(deps: HubDeps, station: StationTable, updateId: string): Promise<UpdateTransition> {
  const credentialId = await updateCredentialId(deps, updateId);
  const row = credentialId === undefined ? undefined : await credentialRow(deps, credentialId);
  if (!row || !owns(row, station)) throw notYourUpdate(updateId);
  return updates.recallUpdate(deps, updateId, ownedGuard(station));
}

export async function history(deps: HubDeps, station: StationTable, credentialId: string): Promise<{ events: CredentialEvent[] }> {
  await assertSees(deps, station, credentialId);
  return credentialHistory(deps, credentialId);
}

export async function startThirdPartyJob(
  deps: HubDeps,
  station: StationTable,
  credentialId: string,
  input: ThirdPartyJobInput,
): Promise<Job> {
  await assertOwns(deps, station, credentialId);
  return jobs.startThirdPartyJob(deps, credentialId, input, ownedGuard(station));
}

export async function getJob(deps: HubDeps, station: StationTable, jobId: string): Promise<Job> {
  const job = await deps.store.db.selectFrom('jobs').select('credential_id').where('id', '=', jobId).executeTakeFirst();
  const row = job === undefined ? undefined : await credentialRow(deps, job.credential_id);
  if (!row || !visibleTo(row, station)) throw notYourJob(jobId);
  return jobs.getJob(deps, jobId);
}

export const notices = (deps: HubDeps, station: StationTable): Promise<{ notices: Notice[] }> => jobs.listNotices(deps, station);

/** The code goes to the contact the hub operator set for this station, never to an address the station names. */
export async function sendDownloadCode(deps: HubDeps, station: StationTable, credentialId: string): Promise<DownloadCode> {
  await assertOwns(deps, station, credentialId);
  if (station.contact_channel === null || station.contact_destination === null) {
    throw new AppError(
      'DOWNLOAD_CONTACT_MISSING',
      `The hub has no phone or email to send this station's download codes to: ask the hub operator to set it (hub stations contact ${station.id} email|sms <address>).`,
      { stationId: station.id },
    );
  }
  const channel = station.contact_channel === 'sms' ? 'sms' : 'email';
  return download.sendDownloadCode(deps, credentialId, { channel, destination: station.contact_destination }, ownedGuard(station));
}

export async function downloadPreview(deps: HubDeps, station: StationTable, credentialId: string): Promise<DownloadPreview> {
  await assertOwns(deps, station, credentialId);
  return download.downloadPreview(deps, credentialId, ownedGuard(station));
}

export async function downloadLicenses(
  deps: HubDeps,
  station: StationTable,
  credentialId: string,
  input: DownloadInput,
): Promise<Download> {
  await assertOwns(deps, station, credentialId);
  return download.downloadLicenses(deps, credentialId, input, ownedGuard(station));
}
