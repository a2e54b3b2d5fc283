/**
 * A `factory` account acts only within its factory: it reads the credentials
 * assigned to the factory and its lines, stations and notices, and assigns,
 * enrolls and revokes there. Anything outside is answered as if it did not
 * exist (the same `*_NOT_FOUND` as for an unknown id), so the account learns
 * nothing about other factories. Other roles have no factory scope.
 */
import { AppError } from '../../common/errors';
import type { HubDeps } from './context';
import type { Principal } from './accounts';
import { credentialNotFound, type CredentialGuard } from './util';

/** The factory an account is limited to; null = every factory. */
export const factoryScope = (p: Principal | null): string | null => (p?.account.role === 'factory' ? p.account.factory_id : null);

/** Re-checked inside the operation's transaction: a credential moved out of the factory meanwhile is refused. */
export const factoryGuard = (p: Principal | null): CredentialGuard | undefined => {
  const f = factoryScope(p);
  return f === null
    ? undefined
    : (row) => {
        if (row.factory_id !== f) throw credentialNotFound(row.id);
      };
};

export async function assertCredentialInScope(deps: HubDeps, p: Principal | null, credentialId: string): Promise<void> {
  const f = factoryScope(p);
  if (f === null) return;
  const row = await deps.store.db.selectFrom('credentials').select('factory_id').where('id', '=', credentialId).executeTakeFirst();
  if (row?.factory_id !== f) throw credentialNotFound(credentialId);
}

export async function assertUpdateInScope(deps: HubDeps, p: Principal | null, updateId: string): Promise<void> {
  const f = factoryScope(p);
  if (f === null) return;
  const row = await deps.store.db
    .selectFrom('update_requests')
    .innerJoin('credentials', 'credentials.id', 'update_requests.credential_id')
    .select('credentials.factory_id')
    .where('update_requests.id', '=', updateId)
    .executeTakeFirst();
  if (row?.factory_id !== f) throw new AppError('UPDATE_NOT_FOUND', `There is no update request ${updateId}.`, { updateId });
}

export async function assertJobInScope(deps: HubDeps, p: Principal | null, jobId: string): Promise<void> {
  const f = factoryScope(p);
  if (f === null) return;
  const row = await deps.store.db
    .selectFrom('jobs')
    .innerJoin('credentials', 'credentials.id', 'jobs.credential_id')
    .select('credentials.factory_id')
    .where('jobs.id', '=', jobId)
    .executeTakeFirst();
  if (row?.factory_id !== f) throw new AppError('JOB_NOT_FOUND', `There is no job ${jobId}.`, { jobId });
}

export function assertFactoryInScope(p: Principal | null, factoryId: string | null): void {
  const f = factoryScope(p);
  if (f !== null && factoryId !== f)
    throw new AppError('FACTORY_NOT_FOUND', `There is no factory ${factoryId ?? '(none)'}.`, { factoryId });
}

export async function assertLineInScope(deps: HubDeps, p: Principal | null, lineId: string): Promise<void> {
  const f = factoryScope(p);
  if (f === null) return;
  const row = await deps.store.db.selectFrom('lines').select('factory_id').where('id', '=', lineId).executeTakeFirst();
  if (row?.factory_id !== f) throw new AppError('LINE_NOT_FOUND', `There is no line ${lineId}.`, { lineId });
}

export async function assertStationInScope(deps: HubDeps, p: Principal | null, stationId: string): Promise<void> {
  const f = factoryScope(p);
  if (f === null) return;
  const row = await deps.store.db.selectFrom('stations').select('factory_id').where('id', '=', stationId).executeTakeFirst();
  if (row?.factory_id !== f) throw new AppError('STATION_NOT_FOUND', `There is no station ${stationId}.`, { stationId });
}
