import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { burnRecordsSince, burnReportCsv, burnStats, burnStatsByOperatorSql, burnStatsSql, operatorsSince } from '../../../main/ledger';
import { ledgerFixture, type LedgerFixture } from './helpers';

/** The burn records summed in SQL: what became of each attempt, over every record, through the time index. */
describe('burn statistics in SQL', () => {
  let f: LedgerFixture;
  beforeEach(async () => {
    f = await ledgerFixture(20);
  });
  afterEach(() => f.close());

  const start = Date.UTC(2026, 0, 1); // the fixture's clock
  const burn = (slot: string, end: 'verified' | 'failed' | 'suspect'): string => {
    const r = f.ledger.reserve(f.groupId, { slot });
    if (end === 'failed') {
      f.ledger.release(r.uuid, r.attempt, 'TIMEOUT at connect: no answer');
      return r.uuid;
    }
    f.ledger.markSending(r.uuid, r.attempt);
    if (end === 'suspect') {
      f.ledger.markSuspect(r.uuid, r.attempt, 'DISCONNECTED at write: gone');
      return r.uuid;
    }
    f.ledger.markWritten(r.uuid, r.attempt);
    f.ledger.markVerified(r.uuid, r.attempt);
    return r.uuid;
  };
  const total = (rows: ReturnType<typeof burnStats>, outcome: string): number =>
    rows.filter((r) => r.outcome === outcome).reduce((n, r) => n + r.n, 0);

  it('counts a suspect by what became of its license: still suspect, read back as burned, or voided; void and read-back records are no burns', () => {
    burn('slot-1', 'verified');
    burn('slot-1', 'failed');
    burn('slot-2', 'suspect');
    const readBack = burn('slot-2', 'suspect');
    const voided = burn('slot-3', 'suspect');
    f.ledger.resolveSuspect(readBack, { uuid: readBack, authkey: null, mac: null });
    f.ledger.voidSuspect(voided, 'lost');
    const rows = burnStats(f.vault.db, { from: start, to: start + 3600_000 });
    expect(total(rows, 'verified')).toBe(2);
    expect(total(rows, 'failed')).toBe(2);
    expect(total(rows, 'suspect')).toBe(1);
    expect(
      rows
        .filter((r) => r.outcome !== 'verified')
        .map((r) => `${r.slot} ${r.outcome} ${r.code} ${r.n}`)
        .sort(),
    ).toEqual(['slot-1 failed TIMEOUT 1', 'slot-2 suspect DISCONNECTED 1', 'slot-3 failed DISCONNECTED 1']);
    expect(rows.every((r) => r.hour === start && (r.outcome === 'verified' || r.groupId === f.groupId))).toBe(true);
  });

  it('reads every record of the range however many older ones there are, through the time index', () => {
    const insert = f.vault.db.prepare(
      "INSERT INTO burn_records (uuid, group_id, slot, attempt, result, reason, at) VALUES (?, ?, 'slot-1', 'a', ?, NULL, ?)",
    );
    const old = start - 30 * 24 * 3600_000;
    f.vault.db.transaction(() => {
      for (let i = 0; i < 100_000; i++) insert.run(`old${String(i).padStart(13, '0')}`, f.groupId, 'verified', old + i);
      for (let i = 0; i < 50; i++) insert.run(`new${String(i).padStart(13, '0')}`, f.groupId, 'verified', start + i * 1000);
    })();
    const rows = burnStats(f.vault.db, { from: start - 24 * 3600_000, to: start + 3600_000 });
    expect(total(rows, 'verified')).toBe(50);
    expect(burnRecordsSince(f.vault.db, start - 24 * 3600_000)).toHaveLength(50);
    expect(burnRecordsSince(f.vault.db, start - 24 * 3600_000, { groupId: 'another group' })).toHaveLength(0);
    const plan = f.vault.db.prepare(`EXPLAIN QUERY PLAN ${burnStatsSql}`).all({ from: 0, to: 1 }) as { detail: string }[];
    expect(plan.map((p) => p.detail).join('\n')).toContain('burn_records_by_time');
  });

  it('names the operator signed on at the reservation on every burn record of that license, and filters by operator through its index', () => {
    f.ledger.setOperator('17');
    burn('slot-1', 'verified');
    burn('slot-1', 'failed');
    const suspect = burn('slot-2', 'suspect');
    // a new operator signs on: the suspect's later records stay the first operator's
    f.ledger.setOperator('21');
    burn('slot-1', 'verified');
    f.ledger.voidSuspect(suspect, 'module lost');
    f.ledger.setOperator(null);
    burn('slot-3', 'verified');
    const records = burnRecordsSince(f.vault.db, start);
    expect(records.map((r) => `${r.slot} ${r.result} ${r.operator}`)).toEqual([
      'slot-1 verified 17',
      'slot-1 failed 17',
      'slot-2 suspect 17',
      'slot-1 verified 21',
      'slot-2 void 17',
      'slot-3 verified null',
    ]);
    expect(burnRecordsSince(f.vault.db, start, { operator: '17' })).toHaveLength(4);
    expect(total(burnStats(f.vault.db, { from: start, to: start + 3600_000, operator: '17' }), 'verified')).toBe(1);
    expect(total(burnStats(f.vault.db, { from: start, to: start + 3600_000, operator: '17' }), 'failed')).toBe(2);
    expect(total(burnStats(f.vault.db, { from: start, to: start + 3600_000, operator: '21' }), 'verified')).toBe(1);
    expect(total(burnStats(f.vault.db, { from: start, to: start + 3600_000 }), 'verified')).toBe(3);
    expect(operatorsSince(f.vault.db, start)).toEqual(['17', '21']);
    const plan = f.vault.db.prepare(`EXPLAIN QUERY PLAN ${burnStatsByOperatorSql}`).all({ from: 0, to: 1, operator: '17' }) as {
      detail: string;
    }[];
    expect(plan.map((p) => p.detail).join('\n')).toContain('burn_records_by_operator');
    const csv = burnReportCsv(records, { group: () => 'Plugs', slot: (id) => Number(id.slice(5)), operator: (n) => `li.wang (${n})` });
    expect(csv.split('\r\n')[0]).toBe('uuid,module_mac,module_serial,slot,time,result,reason,group,operator');
    expect(csv.split('\r\n')[1]).toMatch(/,verified,,Plugs,li\.wang \(17\)$/);
  });
});
