import { describe, expect, it } from 'vitest';
import { dashboardSchema, groupSummarySchema, historyEntrySchema, vaultGuardSchema } from '../../../common/api/schemas';
import type { BurnStatRow } from '../../../main/ledger';
import { dashboard, failureCode, groupSummary, historyEntry, shiftStart, updateRequest, vaultGuard } from '../../../main/app/views';

const counts = {
  total: 10,
  left: 6,
  available: 6,
  reserved: 0,
  burning: 0,
  burned: 3,
  reported: 1,
  suspect: 1,
  rejected: 0,
  void: 0,
  failedAttempts: 2,
};
const meta = {
  groupId: 'g1',
  hubState: 'confirming_update',
  usable: false,
  assignedToYou: true,
  syncBlock: 'under review',
  productName: 'Plug',
  deliveryMode: 'license_list',
  purchased: 8,
  free: 2,
  parentId: 'p0',
  hubLineId: null,
  hubStationId: null,
  firmwareKey: 'k',
  chip: 'c',
  slotIds: ['slot-2'],
  localLine: 'Line 2',
};
const at = (iso: string): number => new Date(iso).getTime();

describe('what the screens show', () => {
  it('a group shows the hub state and product, the vault counts, its slots, and a block in the words the station gave', () => {
    const g = groupSummary(
      { id: 'g1', name: 'Plug · g1', pid: 'plug01', blocked: { reason: 'A product change is under review on the hub.' }, counts },
      meta,
      ['slot-1'],
    );
    expect(groupSummarySchema.parse(g)).toEqual(g);
    expect(g).toMatchObject({
      state: 'confirming_update',
      deliveryMode: 'license_list',
      productName: 'Plug',
      purchased: 8,
      free: 2,
      parentId: 'p0',
      assignment: { line: 'Line 2', slotIds: ['slot-1', 'slot-2'] },
    });
    expect(g.counts).toEqual({ groupId: 'g1', total: 10, left: 6, burned: 3, suspect: 1, rejected: 0, void: 0, failedAttempts: 2 });
    expect(g.blocked).toEqual({ code: 'GROUP_BLOCKED', message: 'A product change is under review on the hub.' });
  });

  it('an imported group with no license left is blocked as empty, and is valid with its own counts', () => {
    const g = groupSummary(
      { id: 'g2', name: 'list.csv', pid: null, blocked: null, counts: { ...counts, available: 0, left: 0 } },
      undefined,
      [],
    );
    expect(g).toMatchObject({
      state: 'valid',
      deliveryMode: 'credential',
      productName: 'Imported licenses',
      purchased: 10,
      free: 0,
      parentId: null,
    });
    expect(g.blocked?.code).toBe('GROUP_EMPTY');
  });

  it("offers Generate third-party resources only for a product with HomeKit or Find My, by the hub console's rule", () => {
    const usable = { ...meta, hubState: 'valid', usable: true, syncBlock: null, deliveryMode: 'credential' };
    const group = { id: 'g1', name: 'Plug', pid: 'plug01', blocked: null, counts };
    const generate = (features: { homekit: boolean; findmy: boolean } | null) =>
      groupSummary(group, usable, [], features).allowedActions.find((a) => a.action === 'generate_resources');
    expect(generate({ homekit: false, findmy: false })).toEqual({
      action: 'generate_resources',
      allowed: false,
      reason: "The credential's product supports neither HomeKit nor Find My.",
    });
    expect(generate({ homekit: true, findmy: false })).toEqual({ action: 'generate_resources', allowed: true });
    expect(generate(null)?.allowed).toBe(false);
    const plug = groupSummary(group, usable, [], { homekit: false, findmy: false });
    expect(groupSummarySchema.parse(plug)).toEqual(plug);
    expect(plug.features).toEqual({ homekit: false, findmy: false });
    // under review: recall is offered, split and the product change say why not
    const review = groupSummary(group, meta, [], { homekit: true, findmy: true });
    expect(review.allowedActions.filter((a) => a.allowed).map((a) => a.action)).toEqual(['update_details', 'update_history', 'recall']);
    expect(review.allowedActions.find((a) => a.action === 'split')?.reason).toMatch(/under review/);
  });

  it('reads the failure code off a ledger reason, INTERNAL for anything else', () => {
    expect(failureCode('DISCONNECTED at write: the port closed')).toBe('DISCONNECTED');
    expect(failureCode('station restarted before anything was sent')).toBe('INTERNAL');
    expect(failureCode('BOGUS at write: x')).toBe('INTERNAL');
    expect(failureCode(null)).toBe('INTERNAL');
  });

  it('the shift starts at 06:00, 14:00 or 22:00 local time (the night shift began the day before)', () => {
    const local = (h: number, m = 0): number => new Date(2026, 2, 10, h, m).getTime();
    expect(shiftStart(local(9, 30))).toBe(local(6));
    expect(shiftStart(local(14))).toBe(local(14));
    expect(shiftStart(local(23, 5))).toBe(local(22));
    expect(shiftStart(local(3))).toBe(new Date(2026, 2, 9, 22).getTime());
  });

  it('the dashboard sums the SQL rows per hour, per slot and per group; the totals are the sums of the hours and of the reasons', () => {
    const now = at('2026-03-10T12:30:00Z');
    const h11 = at('2026-03-10T11:00:00Z');
    const h12 = at('2026-03-10T12:00:00Z');
    const rows: BurnStatRow[] = [
      { hour: h11, slot: 'slot-1', groupId: 'g1', outcome: 'verified', code: null, n: 1 },
      { hour: h12, slot: 'slot-2', groupId: 'g1', outcome: 'verified', code: null, n: 1 },
      { hour: h12, slot: 'slot-2', groupId: 'g1', outcome: 'failed', code: 'TIMEOUT', n: 1 },
      { hour: h12, slot: 'slot-2', groupId: 'g1', outcome: 'suspect', code: 'DISCONNECTED', n: 1 },
      { hour: h12, slot: 'slot-10', groupId: 'g2', outcome: 'failed', code: 'BOGUS', n: 2 },
      // outside the range: not counted anywhere
      { hour: at('2026-03-08T12:00:00Z'), slot: 'slot-1', groupId: 'g1', outcome: 'failed', code: 'TIMEOUT', n: 5 },
    ];
    const d = dashboard('day', now, rows, {
      slot: (id) => (id === 'slot-10' ? { label: id, number: null } : { label: `Slot ${id.slice(5)}`, number: Number(id.slice(5)) }),
      group: (id) => (id === 'g1' ? 'Plug' : 'Bulb'),
    });
    expect(dashboardSchema.parse(d)).toEqual(d);
    expect(d.totals).toEqual({ verified: 2, failed: 3, suspect: 1 });
    expect(d.burnsPerHour).toHaveLength(25);
    expect(d.burnsPerHour.find((h) => h.hour === '2026-03-10T12:00:00.000Z')).toEqual({
      hour: '2026-03-10T12:00:00.000Z',
      verified: 1,
      failed: 3,
      suspect: 1,
    });
    expect(d.failuresBySlot).toEqual([
      {
        slotId: 'slot-2',
        label: 'Slot 2',
        number: 2,
        reasons: [
          { code: 'DISCONNECTED', count: 1 },
          { code: 'TIMEOUT', count: 1 },
        ],
      },
      { slotId: 'slot-10', label: 'slot-10', number: null, reasons: [{ code: 'INTERNAL', count: 2 }] },
    ]);
    expect(d.failuresByGroup).toEqual([
      { groupId: 'g2', label: 'Bulb', reasons: [{ code: 'INTERNAL', count: 2 }] },
      {
        groupId: 'g1',
        label: 'Plug',
        reasons: [
          { code: 'DISCONNECTED', count: 1 },
          { code: 'TIMEOUT', count: 1 },
        ],
      },
    ]);
    // header, charts and groups agree
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    for (const k of ['verified', 'failed', 'suspect'] as const) expect(sum(d.burnsPerHour.map((h) => h[k]))).toBe(d.totals[k]);
    const reasons = (list: { reasons: { count: number }[] }[]): number => sum(list.flatMap((x) => x.reasons.map((r) => r.count)));
    expect(reasons(d.failuresBySlot)).toBe(d.totals.failed + d.totals.suspect);
    expect(reasons(d.failuresByGroup)).toBe(d.totals.failed + d.totals.suspect);
  });

  it('maps the hub update requests and history into the console words', () => {
    const requestRow = {
      id: 'u1',
      credentialId: 'g1',
      fromPid: 'plug01',
      toPid: 'bulb01',
      fromDeliveryMode: 'credential',
      toDeliveryMode: 'credential',
      licenses: 10,
      chargedLicenses: 10,
      priceDifferenceCents: 600,
      state: 'recalled',
      createdAt: '2026-03-10T10:00:00.000Z',
      approvedAt: null,
      paidAt: null,
      paymentReference: null,
      completedAt: null,
      recalledAt: '2026-03-10T10:05:00.000Z',
      rejectedAt: null,
      rejectionReason: null,
    } satisfies Parameters<typeof updateRequest>[0];
    const u = updateRequest(requestRow, (pid) => (pid === 'bulb01' ? 'Bulb' : pid));
    expect(u).toMatchObject({
      targetPid: 'bulb01',
      targetProductName: 'Bulb',
      state: 'recalled',
      priceDifferenceCents: 600,
      updatedAt: '2026-03-10T10:05:00.000Z',
    });
    const context = { productName: (pid: string) => (pid === 'bulb01' ? 'Bulb' : pid === 'plug01' ? 'Plug' : pid), stationId: 'st1' };
    const h = historyEntry(
      {
        id: 'e1',
        credentialId: 'g1',
        at: '2026-03-10T10:05:00.000Z',
        kind: 'update_recalled',
        details: { updateId: 'u1', backTo: 'valid' },
      },
      context,
    );
    expect(historyEntrySchema.parse(h)).toEqual(h);
    expect(h).toMatchObject({ id: 'e1', groupId: 'g1', kind: 'recall', event: 'update_recalled', at: '2026-03-10T10:05:00.000Z' });
    // a rejected change: the platform's reason reaches the station, on the request and in the history
    const reason = 'Bulb needs a new certificate';
    expect(
      updateRequest(
        { ...requestRow, state: 'rejected', recalledAt: null, rejectedAt: '2026-03-10T10:07:00.000Z', rejectionReason: reason },
        context.productName,
      ),
    ).toMatchObject({ state: 'rejected', rejectionReason: reason, updatedAt: '2026-03-10T10:07:00.000Z' });
    const rejected = historyEntry(
      {
        id: 'e9',
        credentialId: 'g1',
        at: '2026-03-10T10:07:00.000Z',
        kind: 'update_rejected',
        details: { updateId: 'u1', reason, backTo: 'valid' },
      },
      context,
    );
    expect(historyEntrySchema.parse(rejected)).toEqual(rejected);
    expect(rejected).toMatchObject({ kind: 'change_product', event: 'update_rejected' });
    expect(rejected.facts.reason).toBe(reason);
    // facts, never ids: the update id and payment reference are not carried
    const requested = historyEntry(
      {
        id: 'e2',
        credentialId: 'g1',
        at: '2026-03-10T10:00:00.000Z',
        kind: 'update_requested',
        details: {
          updateId: 'u1',
          fromPid: 'plug01',
          toPid: 'bulb01',
          toDeliveryMode: 'credential',
          licenses: 120,
          priceDifferenceCents: 720,
        },
      },
      context,
    );
    expect(requested.facts).toMatchObject({
      fromProduct: 'Plug',
      toProduct: 'Bulb',
      licenses: 120,
      amountCents: 720,
      deliveryMode: 'credential',
    });
    expect(JSON.stringify(requested)).not.toContain('u1');
    const paid = historyEntry(
      {
        id: 'e3',
        credentialId: 'g1',
        at: '2026-03-10T10:00:00.000Z',
        kind: 'update_paid',
        details: { updateId: 'u1', paymentReference: 'PAY-123', amountCents: 720 },
      },
      context,
    );
    expect(paid.facts.amountCents).toBe(720);
    expect(JSON.stringify(paid)).not.toContain('PAY-123');
    expect(
      historyEntry(
        { id: 'e4', credentialId: 'g1', at: '2026-03-10T10:00:00.000Z', kind: 'assigned', details: { stationId: 'st2', lineId: 'l1' } },
        context,
      ).facts.party,
    ).toBe('other_station');
    expect(
      historyEntry({ id: 'e5', credentialId: 'g1', at: '2026-03-10T10:00:00.000Z', kind: 'something_new', details: {} }, context).event,
    ).toBe('other');
  });
});

describe('the vault guard on the screen', () => {
  it('says ok for a current vault, names the entries behind its anchor, or the hub’s entry when the hub refused it', () => {
    expect(vaultGuard(null)).toEqual({ state: 'ok' });
    expect(vaultGuard({ source: 'anchor', vaultSeq: 4210, anchoredSeq: 4388, diverged: false, message: 'm1' })).toEqual({
      state: 'rolled-back',
      vaultSeq: 4210,
      anchoredSeq: 4388,
      diverged: false,
      message: 'm1',
    });
    expect(vaultGuard({ source: 'hub', vaultSeq: 51, anchoredSeq: 63, diverged: false, message: 'm2' })).toEqual({
      state: 'hub-rolled-back',
      vaultSeq: 51,
      hubSeq: 63,
      message: 'm2',
    });
    for (const g of [vaultGuard(null), vaultGuard({ source: 'hub', vaultSeq: 1, anchoredSeq: 2, diverged: false, message: 'm' })])
      expect(vaultGuardSchema.parse(g)).toEqual(g);
  });
});
