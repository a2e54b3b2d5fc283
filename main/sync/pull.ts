import { isAppError } from '../../common/errors';
import { newId } from '../../common/ids';
import type { PullResponse, StationGroup } from '../../common/hub-api';
import type { NewLicense } from '../vault/sync-store';
import type { SyncContext } from './context';

export const CURSOR_KEY = 'sync.cursor';
/** The people of the station's factory as the hub last sent them (lines, operators, supervisors' PIN hashes), sealed. */
export const PEOPLE_KEY = 'sync.people';
/** Releases carry at most this many licenses each (the hub's limit is 10 000). */
const RELEASE_CHUNK = 5000;

export interface PullReport {
  pages: number;
  licensesAdded: number;
  blocked: string[];
  unblocked: string[];
  released: number;
}

/** Pulls every page since the stored cursor; each page and its cursor are stored in one transaction. */
export async function pullAll(ctx: SyncContext, pageSize: number): Promise<PullReport> {
  const report: PullReport = { pages: 0, licensesAdded: 0, blocked: [], unblocked: [], released: 0 };
  const fetchPage = (cursor: string | null): Promise<PullResponse> => {
    const p = ctx.client.pull({ cursor, limit: pageSize, status: ctx.status() });
    p.catch(() => undefined); // a prefetch nobody waits for (the sync failed meanwhile) must not crash the process
    return p;
  };
  let cursor = ctx.vault.getValue(CURSOR_KEY);
  let next = fetchPage(cursor);
  for (;;) {
    let page: PullResponse;
    try {
      page = await next;
    } catch (e) {
      // The hub does not know our cursor (its store was restored): start again; known licenses are skipped.
      if (!isAppError(e, 'CURSOR_UNKNOWN') || cursor === null) throw e;
      ctx.logger.warn({ cursor }, 'hub does not know the sync cursor; pulling from the start');
      ctx.vault.deleteValue(CURSOR_KEY);
      cursor = null;
      next = fetchPage(null);
      continue;
    }
    // The hub prepares the next page while this one is sealed and stored (the cursor is stored only with its page).
    if (page.hasMore) next = fetchPage(page.cursor);
    applyPage(ctx, page, report);
    cursor = page.cursor;
    report.pages++;
    if (!page.hasMore) return report;
  }
}

/** Why a group may not be burned from, in the operator's words, or null when it may. */
export function blockReason(g: Pick<StationGroup, 'usable' | 'assignedToYou' | 'state'>): string | null {
  if (!g.assignedToYou) return 'Moved to another station on the hub: burn nothing more from this group.';
  if (g.usable) return null;
  switch (g.state) {
    case 'confirming_update':
      return 'A product change is under review on the hub: burn nothing from this group until it is approved or recalled.';
    case 'being_paid':
      return 'A product change waits for the price difference to be paid on the hub: burn nothing from this group until then.';
    case 'list_generated':
      return 'The license list of this group was generated and downloaded on the hub: burn nothing more from it here.';
    default:
      return `The hub says this group is not usable now (${g.state}${g.state === 'valid' ? ', not yet confirmed by the factory' : ''}).`;
  }
}

export function applyPage(ctx: SyncContext, page: PullResponse, report: PullReport): void {
  const { store, vault } = ctx;
  const groups = new Map(page.groups.map((g) => [g.id, g]));
  // Seal before the write transaction: it is the slow part and needs no lock.
  const known = store.knownUuids(page.licenses.map((l) => l.uuid));
  const byGroup = new Map<string, NewLicense[]>();
  for (const l of page.licenses) {
    if (known.has(l.uuid)) continue; // pulled before, or sent away in a bundle: a page may come twice
    const list = byGroup.get(l.credentialId) ?? [];
    list.push({
      uuid: l.uuid,
      sealed: vault.sealAuthkey(l.uuid, l.authkey),
      mac: l.mac ? l.mac.toUpperCase() : null,
      pid: null,
      free: l.kind === 'free',
    });
    byGroup.set(l.credentialId, list);
  }

  store.tx(() => {
    for (const g of groups.values()) {
      if (!store.hasGroup(g.id)) {
        // A group listed only because licenses of it moved here (a bundle) is not shown as a group of this station.
        if (!g.assignedToYou && !byGroup.has(g.id)) continue;
        store.createHubGroup(g.id, `${g.productName} · ${g.id.slice(0, 8)}`, g.pid, 'hub');
      }
      store.upsertMeta({
        groupId: g.id,
        hubState: g.state,
        usable: g.usable,
        assignedToYou: g.assignedToYou,
        productName: g.productName,
        deliveryMode: g.deliveryMode,
        purchased: g.purchased,
        free: g.free,
        parentId: g.parentId,
        hubLineId: g.lineId,
        hubStationId: g.stationId,
        firmwareKey: g.firmwareKey,
        chip: g.chip,
      });
    }
    for (const [groupId, rows] of byGroup) {
      if (!store.hasGroup(groupId)) store.createHubGroup(groupId, `group ${groupId.slice(0, 8)}`, null, 'hub');
      const added = store.insertLicenses(groupId, rows);
      report.licensesAdded += added;
      if (added > 0) vault.audit.append({ action: 'sync.licenses-pulled', groupId, detail: { count: added } });
    }
    for (const g of groups.values()) if (store.hasGroup(g.id)) applyGroupState(ctx, g, report);
    // The hub lists every group assigned to this station and every group it holds unused licenses of (moved away:
    // assignedToYou false, handled above). One it no longer lists at all was moved away after its last license here was used.
    for (const m of store.allMeta()) {
      if (groups.has(m.groupId) || !m.assignedToYou || ctx.pendingSplitChild(m.groupId)) continue;
      store.upsertMeta({ ...m, assignedToYou: false });
      applyGroupState(ctx, { id: m.groupId, state: m.hubState as StationGroup['state'], usable: m.usable, assignedToYou: false }, report);
    }
    if (page.people !== undefined) vault.putSecret(PEOPLE_KEY, JSON.stringify(page.people));
    if (page.cursor !== null) vault.putValue(CURSOR_KEY, page.cursor);
  });
}

/** Blocks or unblocks the local group to match the hub, and gives back what a moved group leaves here. */
function applyGroupState(ctx: SyncContext, g: Pick<StationGroup, 'id' | 'state' | 'usable' | 'assignedToYou'>, report: PullReport): void {
  const { store, ledger, vault } = ctx;
  // A move to another station waits for the hub's answer; until then the operation owns the block.
  if (ctx.pendingMoveAway(g.id)) return;
  const meta = store.meta(g.id);
  const local = vault.getGroup(g.id);
  const want = blockReason(g);
  if (want !== null) {
    // A block someone else set (a supervisor) is left as it is.
    if (local.state === 'active' || (meta?.syncBlock != null && local.blockedReason !== want)) {
      ledger.blockGroup(g.id, want);
      report.blocked.push(g.id);
    }
    if (local.state === 'active' || meta?.syncBlock != null) store.setSyncBlock(g.id, want);
  } else if (meta?.syncBlock != null) {
    if (local.state === 'blocked') {
      ledger.unblockGroup(g.id);
      report.unblocked.push(g.id);
    }
    store.setSyncBlock(g.id, null);
  }
  if (!g.assignedToYou) {
    const available = store.availableLicenses(g.id).map((l) => l.uuid);
    if (available.length === 0) return;
    const removed = store.removeAvailable(available);
    for (let i = 0; i < removed.length; i += RELEASE_CHUNK) {
      const uuids = removed.slice(i, i + RELEASE_CHUNK);
      store.enqueue({ key: `release-${newId()}`, kind: 'release', payload: { uuids, groupId: g.id } });
    }
    report.released += removed.length;
    vault.audit.append({
      action: 'sync.group-released',
      groupId: g.id,
      detail: { released: removed.length, reason: 'moved to another station on the hub' },
    });
  }
}
