/**
 * Reconciling a station whose vault went back (a deleted WAL, an older copy restored): the licenses leased to
 * it that the hub holds as burned, spoiled or rejected, page by page in uuid order, so the station marks them in
 * its vault and never offers them again. The first page also clears the audit head the hub recorded for the
 * station (push.ts refuses a head that went backwards), so the restored vault's next push is taken and starts a
 * new head; it is audited (`stationReconcile`, the station and the supervisor it named) in the same transaction.
 */
import type { ReconcileResponse, ReconciledState } from '../../common/hub-api';
import type { Db, Tx } from '../store';
import type { StationTable } from '../store/schema';
import { appendAuditIn, currentActor, stationActor } from './audit';
import type { HubDeps } from './context';

const usedUp: ReconciledState[] = ['burned', 'spoiled', 'rejected'];

export async function reconcile(
  deps: HubDeps,
  station: StationTable,
  body: { after: string | null; limit: number },
): Promise<ReconcileResponse> {
  const page = async (db: Db | Tx): Promise<Pick<ReconcileResponse, 'licenses' | 'next'>> => {
    let q = db.selectFrom('licenses').select(['uuid', 'status']).where('station_id', '=', station.id).where('status', 'in', usedUp);
    if (body.after !== null) q = q.where('uuid', '>', body.after);
    const rows = await q
      .orderBy('uuid')
      .limit(body.limit + 1)
      .execute();
    const licenses = rows.slice(0, body.limit).map((r) => ({ uuid: r.uuid, state: r.status as ReconciledState }));
    return { licenses, next: rows.length > body.limit ? licenses[licenses.length - 1]!.uuid : null };
  };
  if (body.after !== null) return { ...(await page(deps.store.db)), clearedHead: null };

  return deps.store.tx(async (trx) => {
    // The station row is locked like a push locks it: a push of the same station waits for the head to be cleared.
    const held = await deps.store
      .lockForUpdate(trx.selectFrom('stations').select(['audit_seq', 'audit_hash']).where('id', '=', station.id))
      .executeTakeFirstOrThrow();
    const clearedHead = held.audit_seq === null || held.audit_hash === null ? null : { seq: Number(held.audit_seq), hash: held.audit_hash };
    await trx.updateTable('stations').set({ audit_seq: null, audit_hash: null }).where('id', '=', station.id).execute();
    const first = await page(trx);
    const who = currentActor() ?? { actor: stationActor(station, null), address: null };
    await appendAuditIn(deps, trx, [
      {
        actor: who.actor,
        address: who.address,
        kind: 'stationReconcile',
        credentialId: null,
        target: station.id,
        outcome: 'ok',
        details: { clearedSeq: clearedHead?.seq ?? null, firstPage: first.licenses.length, more: first.next !== null },
      },
    ]);
    deps.logger.warn(
      { stationId: station.id, clearedSeq: clearedHead?.seq ?? null },
      'station reconciled after its vault went back: its audit head was cleared',
    );
    return { ...first, clearedHead };
  });
}
