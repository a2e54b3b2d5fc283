import type {
  BurnFailureCodeOut,
  Dashboard,
  GroupSummary,
  HistoryEntry,
  HistoryFacts,
  OutcomeTexts,
  RefusedReport,
  UpdateRequest as ApiUpdateRequest,
  VaultGuard,
} from '../../common/api/schemas';
import { stationFailureCodeSchema, credentialStateSchema, deliveryModeSchema, historyEventSchema } from '../../common/api/schemas';
import { allowedActions } from '../../common/credential-actions';
import type { CredentialEvent, UpdateRequest as HubUpdateRequest } from '../../common/hub-api';
import type { BurnStatRow } from '../ledger';
import type { StationGroup } from '../station';
import { toApiGroupCounts } from '../station';
import { outcomeMessages, protocolIds, protocolOutcomes } from '../../native/protocols';
import type { VaultRollback } from '../vault';
import type { HubGroupMeta, OperationRow } from '../vault/sync-store';

/**
 * Pure mappings from the station's records to what the screens show
 * (common/api/schemas.ts). Tested without a station in test/unit/app/views.test.ts.
 */

/**
 * A group as the operator and the supervisor see it: the vault's counts and block, the hub's product and state, and
 * what the supervisor may do with it by the hub console's rule. A station knows less than the hub (the owner, the
 * hub's own counts, jobs), so it takes the licenses it holds for the group's unused ones; the hub still refuses
 * what it must. `features`: the product's, once the station has read the hub's products.
 */
export function groupSummary(
  g: StationGroup,
  meta: HubGroupMeta | undefined,
  boundSlots: readonly string[],
  features: GroupSummary['features'] = null,
): GroupSummary {
  const counts = toApiGroupCounts(g.id, g.counts);
  const state = credentialStateSchema.safeParse(meta?.hubState);
  const mode = deliveryModeSchema.safeParse(meta?.deliveryMode);
  let blocked: GroupSummary['blocked'] = null;
  if (g.blocked !== null) blocked = { code: 'GROUP_BLOCKED', message: g.blocked.reason };
  else if (counts.left === 0)
    blocked = {
      code: 'GROUP_EMPTY',
      message: 'No license left in this group: pick another group, or ask a supervisor to split or import one.',
    };
  const hubState = state.success ? state.data : 'valid';
  const deliveryMode = mode.success ? mode.data : 'credential';
  const actions = allowedActions('station', {
    state: hubState,
    owner: 'mine',
    deliveryMode,
    origin: 'purchase',
    // the hub marks a valid or updated group unusable only while a customer's credential waits for confirmation
    confirmed: !(meta && !meta.usable && (hubState === 'valid' || hubState === 'updated')),
    features: features ?? { homekit: false, findmy: false },
    unusedAtHub: counts.left,
    unused: counts.left,
    licenses: counts.total,
    jobRunning: false,
    updateRequests: 1,
  }).map((a) =>
    a.action === 'generate_resources' && features === null
      ? {
          action: a.action,
          allowed: false,
          reason: "The hub's products are not read yet: open the supervisor console while the station is online.",
        }
      : a,
  );
  return {
    id: g.id,
    name: g.name,
    pid: g.pid ?? 'unknown',
    productName: meta?.productName ?? g.pid ?? 'Imported licenses',
    // the hub tells a station nothing about the owner: a station burns customers' licenses the same way
    owner: 'mine',
    deliveryMode,
    state: hubState,
    purchased: meta?.purchased ?? counts.total,
    free: meta?.free ?? 0,
    parentId: meta?.parentId ?? null,
    fromReplacement: false,
    assignment: { line: meta?.localLine ?? null, slotIds: [...new Set([...(meta?.slotIds ?? []), ...boundSlots])].sort() },
    counts,
    blocked,
    features,
    allowedActions: actions,
  };
}

export function updateRequest(u: HubUpdateRequest, productName: (pid: string) => string): ApiUpdateRequest {
  return {
    id: u.id,
    groupId: u.credentialId,
    fromPid: u.fromPid,
    targetPid: u.toPid,
    targetProductName: productName(u.toPid),
    deliveryMode: u.toDeliveryMode,
    state: u.state,
    rejectionReason: u.rejectionReason,
    priceDifferenceCents: u.priceDifferenceCents,
    createdAt: u.createdAt,
    updatedAt: u.rejectedAt ?? u.recalledAt ?? u.completedAt ?? u.paidAt ?? u.approvedAt ?? u.createdAt,
  };
}

const historyKinds: Record<string, HistoryEntry['kind']> = {
  created: 'created',
  created_by_split: 'created',
  imported: 'import',
  split: 'split',
  assigned: 'reassign',
  confirmed: 'updated',
  update_requested: 'change_product',
  update_approved: 'change_product',
  update_paid: 'change_product',
  update_recalled: 'recall',
  update_rejected: 'change_product',
  updated: 'updated',
  third_party_job_started: 'resources',
  third_party_job_done: 'resources',
  downloaded: 'download',
  list_generated: 'download',
  exported: 'download',
  transfer_out: 'transfer',
  transfer_in: 'transfer',
};

const noFacts: HistoryFacts = {
  licenses: null,
  purchased: null,
  free: null,
  product: null,
  fromProduct: null,
  toProduct: null,
  deliveryMode: null,
  amountCents: null,
  party: null,
  kinds: null,
  status: null,
  code: null,
  reason: null,
};
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null);
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const sum = (a: number | null, b: number | null): number | null => (a === null && b === null ? null : (a ?? 0) + (b ?? 0));

/**
 * A hub event as facts the screen words in its language: product names instead
 * of PIDs, amounts in cents, whose doing it was; ids (updates, jobs, bundles,
 * stations) and payment references are left out.
 */
export function historyEntry(
  e: CredentialEvent,
  context: { productName: (pid: string) => string; stationId: string | null },
): HistoryEntry {
  const d = e.details;
  const product = (v: unknown): string | null => {
    const pid = str(v);
    return pid === null ? null : context.productName(pid);
  };
  const mode = deliveryModeSchema.safeParse(d.deliveryMode ?? d.toDeliveryMode);
  const station = (v: unknown): HistoryFacts['party'] =>
    str(v) === null ? null : v === context.stationId ? 'this_station' : 'other_station';
  const facts: HistoryFacts = { ...noFacts, deliveryMode: mode.success ? mode.data : null };
  switch (e.kind) {
    case 'created':
      facts.product = product(d.pid);
      break;
    case 'imported':
      facts.licenses = num(d.count);
      break;
    case 'split':
    case 'created_by_split':
      facts.purchased = num(d.purchased);
      facts.free = num(d.free);
      facts.licenses = sum(facts.purchased, facts.free);
      facts.party = d.by === 'station' ? station(d.stationId) : 'hub';
      break;
    case 'assigned':
      facts.party = station(d.stationId);
      facts.licenses = num(d.licensesMoved);
      break;
    case 'downloaded':
    case 'list_generated':
    case 'transfer_out':
    case 'transfer_in':
      facts.licenses = num(d.licenses);
      break;
    case 'third_party_job_started':
      facts.kinds = Array.isArray(d.kinds) ? d.kinds.filter((k): k is 'homekit' | 'findmy' => k === 'homekit' || k === 'findmy') : null;
      break;
    case 'third_party_job_done':
      facts.licenses = num(d.generated);
      break;
    case 'update_requested':
      facts.fromProduct = product(d.fromPid);
      facts.toProduct = product(d.toPid);
      facts.licenses = num(d.licenses);
      facts.amountCents = int(d.priceDifferenceCents);
      break;
    case 'update_approved':
      facts.amountCents = int(d.toPay);
      break;
    case 'update_paid':
      facts.amountCents = int(d.amountCents);
      break;
    case 'update_rejected':
      facts.reason = str(d.reason);
      break;
    case 'updated':
      facts.product = product(d.pid);
      break;
    default:
      break;
  }
  const event = historyEventSchema.safeParse(e.kind);
  return {
    id: e.id,
    groupId: e.credentialId,
    kind: historyKinds[e.kind] ?? 'updated',
    event: event.success ? event.data : 'other',
    at: e.at,
    facts,
  };
}

/**
 * What the screen needs from the protocols' folders (station.outcomeTexts): the names a slot's protocol
 * can have (UNKNOWN_PROTOCOL's words list them) and each registered protocol's own outcome codes with their words.
 */
export function outcomeTexts(): OutcomeTexts {
  return {
    protocols: [...protocolIds],
    outcomes: protocolOutcomes().map(({ code, messages }) => ({ code, colour: messages.colour, ...messages.screen })),
  };
}

/** The failure code at the start of a ledger reason ("TIMEOUT at write: ..."): the station's or a registered protocol's own, else INTERNAL. */
export function failureCode(reason: string | null): BurnFailureCodeOut {
  const code = /^([A-Z_]+) at /.exec(reason ?? '')?.[1];
  if (code === undefined) return 'INTERNAL';
  const parsed = stationFailureCodeSchema.safeParse(code);
  return parsed.success ? parsed.data : outcomeMessages(code) !== undefined ? code : 'INTERNAL';
}

/** The shift a time falls in: 06-14, 14-22, 22-06 (local time). */
export function shiftStart(now: number): number {
  const d = new Date(now);
  const h = d.getHours();
  const start = new Date(d);
  start.setMinutes(0, 0, 0);
  if (h >= 6 && h < 14) start.setHours(6);
  else if (h >= 14 && h < 22) start.setHours(14);
  else {
    start.setHours(22);
    if (h < 6) start.setDate(start.getDate() - 1);
  }
  return start.getTime();
}

/** Where a report range starts: the current shift, or 24 hours back. */
export function reportFrom(range: 'shift' | 'day', now: number): number {
  return range === 'shift' ? shiftStart(now) : now - 24 * 3600_000;
}

/**
 * Burns per hour and failure reasons per slot and per group, from the burn
 * records summed in SQL (`burnStats`, main/ledger/stats.ts). Every figure comes
 * from the same rows: the totals are the sums of the hours, and the failed and
 * suspect totals are the sums of the reasons per slot and per group.
 */
export function dashboard(
  range: 'shift' | 'day',
  now: number,
  rows: readonly BurnStatRow[],
  labels: { slot: (id: string) => { label: string; number: number | null }; group: (id: string) => string },
  who: { operator: string | null; operators: { number: string; name: string }[] } = { operator: null, operators: [] },
): Dashboard {
  const from = reportFrom(range, now);
  const hourMs = 3600_000;
  const firstHour = Math.floor(from / hourMs) * hourMs;
  const hours = new Map<number, { verified: number; failed: number; suspect: number }>();
  for (let h = firstHour; h <= now; h += hourMs) hours.set(h, { verified: 0, failed: 0, suspect: 0 });
  const bySlot = new Map<string, Map<BurnFailureCodeOut, number>>();
  const byGroup = new Map<string, Map<BurnFailureCodeOut, number>>();
  const totals = { verified: 0, failed: 0, suspect: 0 };
  const bump = (m: Map<string, Map<BurnFailureCodeOut, number>>, key: string, code: BurnFailureCodeOut, n: number): void => {
    const reasons = m.get(key) ?? new Map<BurnFailureCodeOut, number>();
    reasons.set(code, (reasons.get(code) ?? 0) + n);
    m.set(key, reasons);
  };
  for (const r of rows) {
    const bucket = hours.get(r.hour);
    if (bucket === undefined) continue;
    bucket[r.outcome] += r.n;
    totals[r.outcome] += r.n;
    if (r.outcome === 'verified' || r.slot === null || r.groupId === null) continue;
    const code = failureCode(r.code === null ? null : `${r.code} at `);
    bump(bySlot, r.slot, code, r.n);
    bump(byGroup, r.groupId, code, r.n);
  }
  const reasons = (m: Map<BurnFailureCodeOut, number>) =>
    [...m].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  return {
    range,
    from: new Date(from).toISOString(),
    to: new Date(now).toISOString(),
    burnsPerHour: [...hours].map(([h, v]) => ({ hour: new Date(h).toISOString(), ...v })),
    failuresBySlot: [...bySlot]
      .map(([slotId, m]) => ({ slotId, ...labels.slot(slotId), reasons: reasons(m) }))
      .sort((a, b) => (a.number ?? Infinity) - (b.number ?? Infinity) || a.slotId.localeCompare(b.slotId, 'en', { numeric: true })),
    failuresByGroup: [...byGroup]
      .map(([groupId, m]) => ({ groupId, label: labels.group(groupId), reasons: reasons(m) }))
      .sort((a, b) => a.label.localeCompare(b.label)),
    totals,
    operator: who.operator,
    operators: who.operators,
  };
}

/** A local operation in a group's history (pending or refused ones are known only here). */
export function operationHistory(op: OperationRow): HistoryEntry {
  const licenses = Array.isArray(op.detail.uuids) ? op.detail.uuids.length : null;
  return {
    id: op.id,
    groupId: op.groupId,
    kind: op.kind === 'transfer_out' || op.kind === 'transfer_in' ? 'transfer' : op.kind,
    event: `local_${op.kind}`,
    at: new Date(op.createdAt).toISOString(),
    facts: {
      ...noFacts,
      licenses,
      purchased: num(op.detail.purchased),
      free: num(op.detail.free),
      status: op.status,
      code: op.status === 'rejected' ? op.code : null,
      reason: op.reason,
    },
  };
}

/** What the hub refused of the station's reports, newest first. */
export function refusedReports(
  rows: readonly { key: string; kind: string; uuid: string | null; code: string; reason: string; at: number }[],
): RefusedReport[] {
  return [...rows]
    .sort((a, b) => b.at - a.at)
    .map((r) => ({ key: r.key, kind: r.kind, uuid: r.uuid, code: r.code, reason: r.reason, at: new Date(r.at).toISOString() }));
}

/** The vault guard as the screen shows it, from the vault's rollback (null: the vault is current). */
export function vaultGuard(rollback: VaultRollback | null): VaultGuard {
  if (rollback === null) return { state: 'ok' };
  if (rollback.source === 'hub')
    return { state: 'hub-rolled-back', vaultSeq: rollback.vaultSeq, hubSeq: rollback.anchoredSeq, message: rollback.message };
  return {
    state: 'rolled-back',
    vaultSeq: rollback.vaultSeq,
    anchoredSeq: rollback.anchoredSeq,
    diverged: rollback.diverged,
    message: rollback.message,
  };
}
