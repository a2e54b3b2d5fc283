import { describe, expect, it } from 'vitest';
import { passphraseGroups } from '../../../renderer/state/bundle';
import { refusedReports } from '../../../main/app/views';
import { offlineOutcome } from '../../../main/sync/operations';
import { en } from '../../../renderer/i18n/en';
import { zhCN } from '../../../renderer/i18n/zh-CN';

describe('transfer bundles on screen', () => {
  it('shows the one-time passphrase in six groups of four capitals', () => {
    expect(passphraseGroups('ABCD-EFGH-JKMN-PQRS-TUVW-XYZ2')).toEqual(['ABCD', 'EFGH', 'JKMN', 'PQRS', 'TUVW', 'XYZ2']);
    expect(passphraseGroups('abcd efgh')).toEqual(['ABCD', 'EFGH']);
  });

  it('maps a bundle operation to an offline outcome of its own kind, with the hub answer and what the station did', () => {
    const op = {
      id: 'op1',
      kind: 'transfer_in' as const,
      groupId: 'g',
      summary: 'Bundle of 5 licenses imported from A',
      detail: {},
      status: 'rejected' as const,
      code: 'BUNDLE_LICENSES_USED',
      reason: '3 of the 5 licenses were used meanwhile',
      localAction: 'Bundle group blocked; 2 unused licenses removed from this station.',
      createdAt: 1_000,
      settledAt: 2_000,
    };
    expect(offlineOutcome(op)).toEqual({
      id: 'op1',
      kind: 'transfer_in',
      summary: op.summary,
      groupId: 'g',
      licenses: null,
      status: 'rejected',
      code: 'BUNDLE_LICENSES_USED',
      reason: op.reason,
      localAction: op.localAction,
      at: new Date(2_000).toISOString(),
    });
    expect(offlineOutcome({ ...op, detail: { uuids: ['a', 'b'] }, status: 'pending', code: null }).licenses).toBe(2);
    expect(offlineOutcome({ ...op, kind: 'transfer_out', status: 'pending', settledAt: null }).at).toBe(new Date(1_000).toISOString());
  });

  it('lists refused reports newest first with ISO times', () => {
    const rows = [
      { key: 'burn-a', kind: 'burn', uuid: 'a', code: 'NOT_LEASED', reason: 'x', at: 1 },
      { key: 'spoiled-b', kind: 'spoiled', uuid: 'b', code: 'NOT_LEASED', reason: 'y', at: 5 },
    ];
    expect(refusedReports(rows).map((r) => [r.key, r.at])).toEqual([
      ['spoiled-b', new Date(5).toISOString()],
      ['burn-a', new Date(1).toISOString()],
    ]);
  });

  it('has Chinese words for every refusal of a bundle import or export', () => {
    const codes = [
      'BUNDLE_PASSPHRASE_WRONG',
      'BUNDLE_TAMPERED',
      'BUNDLE_ALREADY_IMPORTED',
      'BUNDLE_OWN',
      'BUNDLE_LICENSES_KNOWN',
      'FILE_NOT_FOUND',
      'NOT_ENOUGH_LICENSES',
      'GROUP_NOT_FROM_HUB',
    ];
    for (const c of codes) expect((zhCN.errors as Record<string, string>)[c], c).toMatch(/[\u4e00-\u9fff]/);
    for (const k of ['transfer_out', 'transfer_in'] as const) expect(en.supervisor.outcomes.kinds[k]).toBeTruthy();
  });
});
