import { AppError, isAppError } from '../../common/errors';
import type { PushItem, PushOutcome } from '../../common/hub-api';
import type { OutboxRow } from '../vault/sync-store';
import type { SyncContext } from './context';
import { settleOperation } from './operations';

export interface PushReport {
  batches: number;
  applied: number;
  rejected: number;
}

const iso = (ms: unknown): string => new Date(Number(ms)).toISOString();
/** The supervisor an operation names (kept in its outbox payload), for the hub's audit. */
const by = (p: Record<string, unknown>): { supervisor?: string } => (typeof p.supervisor === 'string' ? { supervisor: p.supervisor } : {});
/** A module MAC in any usual spelling (AA:BB:..., aa-bb-...) as the hub wants it, or nothing. */
export function hubMac(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const hex = raw.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  return hex.length === 12 ? hex : undefined;
}

export function toPushItem(row: OutboxRow): PushItem {
  const p = row.payload;
  switch (row.kind) {
    case 'burn': {
      const mac = hubMac(p.mac);
      return { kind: 'burn', key: row.idemKey, uuid: row.uuid as string, burnedAt: iso(p.at), ...(mac ? { mac } : {}) };
    }
    case 'spoiled':
      return {
        kind: 'spoiled',
        key: row.idemKey,
        uuid: row.uuid as string,
        at: iso(p.at),
        reason: String(p.reason).slice(0, 200) || 'voided at the station',
      };
    case 'rejected':
      return {
        kind: 'rejected',
        key: row.idemKey,
        uuid: row.uuid as string,
        at: iso(p.at),
        reason: String(p.reason).slice(0, 200) || 'refused before anything was sent',
      };
    case 'set_pid':
      return { kind: 'set_pid', key: row.idemKey, credentialId: String(p.credentialId), pid: String(p.pid), at: iso(p.at) };
    case 'release':
      return { kind: 'release', key: row.idemKey, uuids: p.uuids as string[] };
    case 'split':
      return {
        kind: 'split',
        key: row.idemKey,
        credentialId: String(p.credentialId),
        newCredentialId: String(p.newCredentialId),
        uuids: p.uuids as string[],
        at: iso(p.at),
        ...by(p),
      };
    case 'reassign':
      return {
        kind: 'reassign',
        key: row.idemKey,
        credentialId: String(p.credentialId),
        stationId: String(p.stationId),
        at: iso(p.at),
        ...by(p),
      };
    case 'transfer_out':
      return {
        kind: 'transfer_out',
        key: row.idemKey,
        bundleId: String(p.bundleId),
        credentialId: String(p.credentialId),
        uuids: p.uuids as string[],
        at: iso(p.at),
        ...by(p),
      };
    case 'transfer_in':
      return {
        kind: 'transfer_in',
        key: row.idemKey,
        bundleId: String(p.bundleId),
        sourceStationId: String(p.sourceStationId),
        credentialId: String(p.credentialId),
        uuids: p.uuids as string[],
        at: iso(p.at),
        ...by(p),
      };
  }
}

/** The hub already holds this fact (reported earlier under another key): the item is done. */
const alreadyKnown = (row: OutboxRow, o: PushOutcome): boolean =>
  (row.kind === 'burn' && o.code === 'ALREADY_BURNED') ||
  (row.kind === 'spoiled' && o.code === 'ALREADY_SPOILED') ||
  (row.kind === 'rejected' && o.code === 'ALREADY_REJECTED');

/**
 * Sends the outbox in order, a batch at a time. An item leaves the outbox only
 * in the transaction that records the hub's answer to it; an item without an
 * answer (connection cut) stays and is sent again with the same key.
 */
export async function pushAll(ctx: SyncContext, batchSize: number, onProgress?: () => void): Promise<PushReport> {
  const report: PushReport = { batches: 0, applied: 0, rejected: 0 };
  for (;;) {
    const rows = ctx.store.outboxBatch(batchSize);
    if (rows.length === 0) return report;
    let outcomes: PushOutcome[];
    try {
      outcomes = await send(ctx, rows);
    } catch (e) {
      ctx.store.noteAttempt(
        rows.map((r) => r.idemKey),
        isAppError(e) ? e.code : 'INTERNAL',
      );
      if (!malformed(e)) throw e;
      // One item the hub cannot read must not hold up the others: find it by sending them one by one.
      outcomes = [];
      for (const row of rows) {
        try {
          outcomes.push(...(await send(ctx, [row])));
        } catch (one) {
          if (!malformed(one)) throw one;
          const err = one as AppError;
          outcomes.push({
            key: row.idemKey,
            kind: row.kind as PushOutcome['kind'],
            status: 'rejected',
            code: err.code,
            reason: `The hub cannot read this item (${err.message}); it was taken out of the outbox.`,
            replayed: false,
          });
        }
      }
    }
    applyOutcomes(ctx, rows, outcomes, report);
    report.batches++;
    onProgress?.();
  }
}

/** Each push carries the vault's durable audit head: the hub refuses a head that went backwards (STATION_ROLLED_BACK). */
const send = async (ctx: SyncContext, rows: readonly OutboxRow[]): Promise<PushOutcome[]> => {
  const auditHead = ctx.vault.durableHead();
  return (await ctx.client.push({ items: rows.map(toPushItem) as PushItem[], status: ctx.status(), ...(auditHead ? { auditHead } : {}) }))
    .outcomes;
};
/** The hub refused the request itself as unreadable (not one item's business rule). */
const malformed = (e: unknown): boolean =>
  e instanceof AppError &&
  e.details?.httpStatus === 400 &&
  ['INVALID_REQUEST', 'UNKNOWN_FIELD', 'OUT_OF_RANGE', 'DUPLICATE_LICENSE'].includes(e.code);

function applyOutcomes(ctx: SyncContext, rows: readonly OutboxRow[], outcomes: readonly PushOutcome[], report: PushReport): void {
  const byKey = new Map(outcomes.map((o) => [o.key, o]));
  const { store, ledger } = ctx;
  store.tx(() => {
    const burnIds: number[] = [];
    const burnedUuids: string[] = [];
    const done: string[] = [];
    for (const row of rows) {
      const o = byKey.get(row.idemKey);
      if (!o) continue;
      done.push(row.idemKey);
      const ok = o.status === 'applied' || alreadyKnown(row, o);
      if (ok) report.applied++;
      else report.rejected++;
      if (row.kind === 'burn' && ok) {
        if (row.refId !== null) burnIds.push(row.refId);
        if (row.uuid !== null && store.licenseState(row.uuid) === 'verified') burnedUuids.push(row.uuid);
      } else if (row.kind === 'spoiled' && ok) {
        markSpoiled(ctx, row.uuid as string);
      } else if (row.opId !== null) {
        settleOperation(ctx, row, o);
      }
      if (!ok && row.opId === null) {
        store.recordRejected({
          key: row.idemKey,
          kind: row.kind,
          uuid: row.uuid,
          code: o.code ?? 'REJECTED',
          reason: o.reason ?? 'The hub refused this item.',
        });
        ctx.logger.warn({ key: row.idemKey, kind: row.kind, code: o.code }, 'hub refused an outbox item');
      }
    }
    if (burnIds.length > 0) ledger.markBurnsReported(burnIds);
    if (burnedUuids.length > 0) ledger.markReported(burnedUuids);
    store.removeFromOutbox(done);
  });
}

function markSpoiled(ctx: SyncContext, uuid: string): void {
  try {
    ctx.ledger.markSpoiledReported([uuid]);
  } catch (e) {
    // Already marked (an earlier answer to the same key): nothing more to record.
    if (!isAppError(e, 'ILLEGAL_TRANSITION')) throw e;
  }
}
