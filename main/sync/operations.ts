import { AppError } from '../../common/errors';
import { newId } from '../../common/ids';
import type { OfflineOutcome } from '../../common/api/schemas';
import type { PushOutcome } from '../../common/hub-api';
import type { OperationRow, OutboxRow } from '../vault/sync-store';
import type { SyncContext } from './context';

export interface SplitInput {
  purchased: number;
  free: number;
  name?: string;
  /** The supervisor who splits (the hub's audit names them). */
  by?: string | null;
}

/** The outbox payload's field naming the supervisor of an operation, when one is known. */
export const supervisorOf = (by: string | null | undefined): { supervisor?: string } => (by ? { supervisor: by } : {});

export interface ReassignInput {
  /** The slots of this station that burn from the group (taken from any other group). */
  slotIds: readonly string[];
  /** The station's own name for the line the group runs on. */
  line?: string | null;
  /** Another station of the factory that takes the group (its unused licenses go with it); default: this station. */
  stationId?: string;
  /** The supervisor who reassigns (the hub's audit names them). */
  by?: string | null;
}

interface SplitDetail {
  parentId: string;
  childId: string;
  uuids: string[];
  purchased: number;
  free: number;
}
interface ReassignDetail {
  prevSlotIds: string[];
  prevLine: string | null;
  slotIds: string[];
  line: string | null;
  toStationId: string;
  movesAway: boolean;
}

/** A group sync holds for the hub and that may be operated on now. */
function operableGroup(ctx: SyncContext, groupId: string, action: string) {
  const group = ctx.vault.getGroup(groupId);
  const meta = ctx.store.meta(groupId);
  if (!meta)
    throw new AppError(
      'GROUP_NOT_FROM_HUB',
      `Group "${group.name}" was not received from the hub (imported from a file): it cannot be ${action} here.`,
      { groupId },
    );
  if (!meta.assignedToYou || ctx.pendingMoveAway(groupId))
    throw new AppError('GROUP_NOT_ASSIGNED', `Group "${group.name}" is moved to another station: it cannot be ${action} here.`, {
      groupId,
    });
  if (meta.syncBlock !== null)
    throw new AppError('GROUP_LOCKED', `Group "${group.name}" cannot be ${action} now: ${meta.syncBlock}`, { groupId });
  return { group, meta };
}

/**
 * Offline split: the new group exists at once (its own id, which the hub will
 * keep), its licenses move in the same transaction that queues the split for the hub.
 */
export function splitGroup(ctx: SyncContext, groupId: string, input: SplitInput): { groupId: string; operationId: string } {
  const { store, vault } = ctx;
  if (
    !Number.isInteger(input.purchased) ||
    !Number.isInteger(input.free) ||
    input.purchased < 0 ||
    input.free < 0 ||
    input.purchased + input.free === 0
  ) {
    throw new AppError('SPLIT_SIZE_INVALID', 'A split needs a whole number of purchased and free licenses, at least one in all.');
  }
  return store.tx(() => {
    const { group, meta } = operableGroup(ctx, groupId, 'split');
    const available = store.availableLicenses(groupId);
    const purchased = available.filter((l) => !l.free).slice(0, input.purchased);
    const free = available.filter((l) => l.free).slice(0, input.free);
    if (purchased.length < input.purchased || free.length < input.free) {
      const p = available.filter((l) => !l.free).length;
      throw new AppError(
        'NOT_ENOUGH_LICENSES',
        `Group "${group.name}" has ${p} purchased and ${available.length - p} free unused licenses here: split no more of each kind.`,
        { groupId },
      );
    }
    const uuids = [...purchased, ...free].map((l) => l.uuid);
    const childId = newId();
    const name = input.name?.trim() || `${group.name} · split`;
    store.createHubGroup(childId, name, group.pid, 'offline split');
    store.upsertMeta({
      ...meta,
      groupId: childId,
      parentId: groupId,
      purchased: input.purchased,
      free: input.free,
      hubStationId: ctx.stationId,
      syncBlock: null,
      slotIds: [],
      localLine: meta.localLine,
    });
    store.moveLicenses(uuids, childId);
    const opId = newId();
    const detail: SplitDetail = { parentId: groupId, childId, uuids, purchased: input.purchased, free: input.free };
    store.insertOperation({
      id: opId,
      kind: 'split',
      groupId,
      summary: `Split ${uuids.length} licenses of "${group.name}" into "${name}"`,
      detail: { ...detail },
    });
    store.enqueue({
      key: `split-${opId}`,
      kind: 'split',
      opId,
      payload: { credentialId: groupId, newCredentialId: childId, uuids, at: ctx.clock.now(), ...supervisorOf(input.by) },
    });
    vault.audit.append({ action: 'sync.offline-split', groupId, detail: { childId, count: uuids.length, operationId: opId } });
    return { groupId: childId, operationId: opId };
  });
}

/** Offline reassignment among this station's slots and lines, or to another station of the factory. */
export function reassignGroup(ctx: SyncContext, groupId: string, input: ReassignInput): { operationId: string } {
  const { store, vault, ledger } = ctx;
  return store.tx(() => {
    const { group, meta } = operableGroup(ctx, groupId, 'reassigned');
    const toStationId = input.stationId ?? ctx.stationId;
    const movesAway = toStationId !== ctx.stationId;
    const detail: ReassignDetail = {
      prevSlotIds: meta.slotIds,
      prevLine: meta.localLine,
      slotIds: movesAway ? [] : [...input.slotIds],
      line: input.line ?? meta.localLine,
      toStationId,
      movesAway,
    };
    if (!movesAway) store.unbindSlots(input.slotIds, groupId);
    store.setAssignment(groupId, detail.slotIds, detail.line);
    if (movesAway) {
      const reason = 'Handed to another station (waiting for the hub to confirm): burn nothing more from this group here.';
      if (group.state === 'active') ledger.blockGroup(groupId, reason);
      store.setSyncBlock(groupId, reason);
    }
    const opId = newId();
    const where = movesAway
      ? `station ${toStationId.slice(0, 8)}`
      : `${detail.slotIds.length} slot${detail.slotIds.length === 1 ? '' : 's'}${detail.line ? ` on ${detail.line}` : ''}`;
    store.insertOperation({ id: opId, kind: 'reassign', groupId, summary: `Reassign "${group.name}" to ${where}`, detail: { ...detail } });
    store.enqueue({
      key: `reassign-${opId}`,
      kind: 'reassign',
      opId,
      payload: { credentialId: groupId, stationId: toStationId, at: ctx.clock.now(), ...supervisorOf(input.by) },
    });
    vault.audit.append({
      action: 'sync.offline-reassign',
      groupId,
      detail: { toStationId, slotIds: detail.slotIds, line: detail.line, operationId: opId },
    });
    return { operationId: opId };
  });
}

export function hasPendingMoveAway(ctx: Pick<SyncContext, 'store'>, groupId: string): boolean {
  return ctx.store.operations(['reassign']).some((op) => op.groupId === groupId && op.status === 'pending' && op.detail.movesAway === true);
}

export function hasPendingSplitChild(ctx: Pick<SyncContext, 'store'>, groupId: string): boolean {
  return ctx.store.operations(['split']).some((op) => op.status === 'pending' && op.detail.childId === groupId);
}

/** Records the hub's answer to an operation and, on a refusal, puts the station back as it was. Runs in the push transaction. */
export function settleOperation(ctx: SyncContext, row: OutboxRow, o: PushOutcome): void {
  const op = ctx.store.operation(row.opId as string);
  if (!op || op.status !== 'pending') return;
  if (o.status === 'applied') {
    const localAction = applied(ctx, op);
    ctx.store.settleOperation(op.id, { status: 'applied', localAction });
    return;
  }
  const reason = o.reason ?? 'The hub refused this operation.';
  const localAction = undo(ctx, op, reason);
  ctx.store.settleOperation(op.id, { status: 'rejected', code: o.code ?? 'REJECTED', reason, localAction });
  ctx.vault.audit.append({
    action: `sync.${op.kind}-rejected`,
    groupId: op.groupId,
    detail: { operationId: op.id, code: o.code ?? null, localAction },
  });
}

function applied(ctx: SyncContext, op: OperationRow): string | null {
  if (op.kind !== 'reassign' || op.detail.movesAway !== true) return null;
  // The hub moved this station's unused licenses of the group to the other station.
  const { store } = ctx;
  const removed = store.removeAvailable(store.availableLicenses(op.groupId).map((l) => l.uuid));
  store.setSyncBlock(op.groupId, 'Moved to another station: burn nothing more from this group here.');
  ctx.vault.audit.append({
    action: 'sync.group-handed-over',
    groupId: op.groupId,
    detail: { operationId: op.id, licenses: removed.length },
  });
  return `${removed.length} unused licenses went to the other station.`;
}

function undo(ctx: SyncContext, op: OperationRow, reason: string): string | null {
  const { store, ledger, vault } = ctx;
  if (op.kind === 'transfer_in') {
    // The licenses are not this station's: nothing more is burned from them, the unused ones leave.
    if (!store.hasGroup(op.groupId)) return null;
    const group = vault.getGroup(op.groupId);
    const block = `The hub refused the transfer bundle: ${reason}`.slice(0, 500);
    if (group.state === 'active') ledger.blockGroup(op.groupId, block);
    const removed = store.removeAvailable(store.availableLicenses(op.groupId).map((l) => l.uuid));
    return `Bundle group blocked; ${removed.length} unused licenses removed from this station.`;
  }
  if (op.kind === 'transfer_out') return 'Nothing to undo: the licenses left in the bundle and stay out of this station.';
  if (op.kind === 'split') {
    const d = op.detail as unknown as SplitDetail;
    if (!store.hasGroup(d.childId)) return null;
    const uuids = store.licenseUuidsOfGroup(d.childId);
    store.moveLicenses(uuids, d.parentId);
    store.deleteGroup(d.childId);
    const parent = vault.getGroup(d.parentId);
    return `Split undone: ${uuids.length} licenses returned to group "${parent.name}".`;
  }
  if (op.kind === 'reassign') {
    const d = op.detail as unknown as ReassignDetail;
    store.unbindSlots(d.prevSlotIds, op.groupId);
    store.setAssignment(op.groupId, d.prevSlotIds, d.prevLine);
    if (d.movesAway) {
      const meta = store.meta(op.groupId);
      if (meta?.syncBlock != null && vault.getGroup(op.groupId).state === 'blocked') ledger.unblockGroup(op.groupId);
      store.setSyncBlock(op.groupId, null);
    }
    return `Assignment restored: ${d.prevSlotIds.length === 0 ? 'no slots' : `slots ${d.prevSlotIds.join(', ')}`}${d.prevLine ? ` on ${d.prevLine}` : ''}.`;
  }
  return null;
}

/** A local operation (split, reassign, transfer bundle out / in) with the hub's answer, as the supervisor console shows it. */
export function offlineOutcome(op: OperationRow): OfflineOutcome {
  return {
    id: op.id,
    kind: op.kind,
    summary: op.summary,
    groupId: op.groupId,
    licenses: Array.isArray(op.detail.uuids) ? op.detail.uuids.length : null,
    status: op.status,
    code: op.status === 'rejected' ? op.code : null,
    reason: op.reason,
    localAction: op.localAction,
    at: new Date(op.settledAt ?? op.createdAt).toISOString(),
  };
}
