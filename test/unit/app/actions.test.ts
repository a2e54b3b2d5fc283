import { describe, expect, it } from 'vitest';
import type { GroupSummary, SlotState } from '../../../common/api/schemas';
import * as A from '../../../renderer/state/actions';
import { oneLine, pivotReasons } from '../../../renderer/state/charts';

const slot = (n: number, over: Partial<SlotState> = {}): SlotState => ({
  slotId: `slot-${n}`,
  number: n,
  port: `/dev/ttyUSB${n}`,
  programmer: null,
  programmerMissing: false,
  protocol: 'tuya-auc',
  groupId: null,
  connected: true,
  running: false,
  phase: 'idle',
  step: null,
  progress: 0,
  lastResult: null,
  stopReason: null,
  portProblem: null,
  pendingSerial: null,
  burnedThisShift: 0,
  cannotTell: false,
  ...over,
});
const group = (id: string, over: Partial<GroupSummary> = {}): GroupSummary => ({
  id,
  name: id,
  pid: 'p1',
  productName: 'P',
  owner: 'mine',
  deliveryMode: 'credential',
  state: 'valid',
  purchased: 10,
  free: 0,
  parentId: null,
  fromReplacement: false,
  assignment: { line: null, slotIds: [] },
  counts: { groupId: id, total: 10, left: 10, burned: 0, suspect: 0, rejected: 0, void: 0, failedAttempts: 0 },
  blocked: null,
  features: null,
  allowedActions: [],
  ...over,
});
const ready = A.applySetup(A.initialState, {
  stage: 'ready',
  mode: 'demo',
  keyProtection: 'passphrase',
  osKeychainAvailable: false,
  stationName: 'S',
  line: 'L',
  language: 'en',
  exportDir: null,
});

describe('UI actions', () => {
  it('sends a new station to first run, a locked one to unlock, a ready one to the operator screen', () => {
    const base = {
      mode: null,
      keyProtection: null,
      osKeychainAvailable: false,
      stationName: null,
      line: null,
      language: 'zh-CN' as const,
      exportDir: null,
    };
    expect(A.applySetup(A.initialState, { ...base, stage: 'new' }).screen).toBe('setup');
    expect(A.applySetup(A.initialState, { ...base, stage: 'locked' }).screen).toBe('unlock');
    expect(ready.screen).toBe('operator');
    expect(A.applySetup(A.initialState, { ...base, stage: 'new' }).language).toBe('zh-CN');
    expect(A.goTo(A.applySetup(A.initialState, { ...base, stage: 'new' }), 'supervisor').screen).toBe('setup');
    expect(A.goTo(ready, 'dashboard').screen).toBe('dashboard');
  });

  it('orders slots by number, selects the first, and shows the group the slots burn from', () => {
    const s = A.applyOverview(ready, { groups: [group('a'), group('b')], slots: [slot(2, { groupId: 'b' }), slot(1, { groupId: 'b' })] });
    expect(s.slots.map((x) => x.number)).toEqual([1, 2]);
    expect(s.selectedSlotId).toBe('slot-1');
    expect(s.selectedGroupId).toBe('b');
  });

  it('replaces one slot on a slot event and leaves the others', () => {
    const s = A.applyOverview(ready, { groups: [], slots: [slot(1), slot(2)] });
    const next = A.applySlotState(s, slot(2, { phase: 'burning', step: 'write', progress: 0.6 }));
    expect(next.slots[1]).toMatchObject({ phase: 'burning', step: 'write' });
    expect(next.slots[0]).toBe(s.slots[0]);
  });

  it('updates the counts of one group', () => {
    const s = A.applyOverview(ready, { groups: [group('a'), group('b')], slots: [] });
    const next = A.applyCounts(s, { groupId: 'b', total: 10, left: 7, burned: 2, suspect: 1, rejected: 0, void: 0, failedAttempts: 1 });
    expect(next.groups[1]!.counts.left).toBe(7);
    expect(next.groups[0]!.counts.left).toBe(10);
  });

  it('selects a slot by its jig number and moves round with the arrows', () => {
    const s = A.applyOverview(ready, { groups: [], slots: [slot(1), slot(2), slot(3)] });
    expect(A.selectSlotNumber(s, 3).selectedSlotId).toBe('slot-3');
    expect(A.selectSlotNumber(s, 9).selectedSlotId).toBe('slot-1');
    expect(A.moveSlotSelection(s, -1).selectedSlotId).toBe('slot-3');
    expect(A.moveSlotSelection(A.selectSlotNumber(s, 3), 1).selectedSlotId).toBe('slot-1');
  });

  it('lists usable groups before blocked ones', () => {
    const s = A.applyGroups(ready, [group('z-blocked', { blocked: { code: 'GROUP_UNDER_REVIEW', message: 'x' } }), group('b'), group('a')]);
    expect(A.selectGroupsForPicker(s).map((g) => g.id)).toEqual(['a', 'b', 'z-blocked']);
  });

  it('forgets a picked group that a sync took away', () => {
    const s = A.chooseGroup(A.applyGroups(ready, [group('a'), group('b')]), 'b');
    expect(A.applyGroups(s, [group('a')]).selectedGroupId).toBeNull();
  });

  it('keeps one entry per offline operation and per job, newest first', () => {
    const o = {
      id: 'o1',
      kind: 'split' as const,
      summary: 's',
      groupId: 'g1',
      licenses: 3,
      status: 'pending' as const,
      code: null,
      reason: null,
      localAction: null,
      at: 't',
    };
    const s = A.applyOutcome(A.applyOutcome(ready, o), { ...o, status: 'rejected', reason: 'changed on the hub' });
    expect(s.outcomes).toHaveLength(1);
    expect(A.selectRejectedOutcomes(s)).toHaveLength(1);
    expect(A.selectPendingOutcomes(s)).toBe(0);
  });

  it('pivots failure reasons into chart rows', () => {
    const p = pivotReasons([
      { label: 'Slot 1', reasons: [{ code: 'TIMEOUT', count: 2 }] },
      {
        label: 'Slot 2',
        reasons: [
          { code: 'DISCONNECTED', count: 1 },
          { code: 'TIMEOUT', count: 1 },
        ],
      },
    ]);
    expect(p.codes).toEqual(['DISCONNECTED', 'TIMEOUT']);
    expect(p.rows).toEqual([
      { label: 'Slot 1', TIMEOUT: 2 },
      { label: 'Slot 2', DISCONNECTED: 1, TIMEOUT: 1 },
    ]);
  });

  it('a chart label stays on one line: cut with an ellipsis past its width, a CJK character counting twice', () => {
    expect(oneLine('Slot 1', 16)).toBe('Slot 1');
    expect(oneLine('Demo smart plug · 1a2b3c4d', 16)).toBe('Demo smart plug…');
    expect(oneLine('演示智能插座分组一号', 16)).toBe('演示智能插座分…');
    expect(oneLine('工位 1', 16)).toBe('工位 1');
  });
});

describe('the vault guard', () => {
  it('shows what the guard says, then after a reconcile the vault is ok and the counts stay until dismissed', () => {
    const behind = A.applyVaultGuard(A.initialState, { state: 'hub-rolled-back', vaultSeq: 51, hubSeq: 63, message: 'm' });
    expect(behind.vaultGuard?.state).toBe('hub-rolled-back');
    const done = A.applyReconciled(behind, { burned: 10, spoiled: 2, rejected: 0, unchanged: 5, hubSeq: 63, by: 'Li Wei' });
    expect(done.vaultGuard).toEqual({ state: 'ok' });
    expect(done.reconciled).toMatchObject({ burned: 10, by: 'Li Wei' });
    expect(A.dismissReconciled(done).reconciled).toBeNull();
  });
});
