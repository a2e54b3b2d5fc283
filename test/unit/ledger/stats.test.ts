import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { burnRecordsSince, burnStats, burnStatsSql } from '../../../main/ledger';
import { ledgerFixture, type LedgerFixture } from './helpers';

/** The burn records summed in SQL: what became of each attempt, over every record, through the time index. */
describe('burn statistics in SQL', () => {
  let f: LedgerFixture;
  beforeEach(async () => { f = await ledgerFixture(20); });
  afterEach(() => f.close());

  const start = Date.UTC(2026, 0, 1); // the fixture's clock
  const burn = (slot: string, end: 'verified' | 'failed' | 'suspect'): string => {
    const r = f.ledger.reserve(f.groupId, { slot });
    if (end === 'failed') { f.ledger.release(r.uuid, r.attempt, 'TIMEOUT at connect: no answer'); return r.uuid; }
    f.ledger.markSending(r.uuid, r.attempt);
    if (end === 'suspect') { f.ledger.markSuspect(r.uuid, r.attempt, 'DISCONNECTED at write: gone'); return r.uuid; }
    f.ledger.markWritten(r.uuid, r.attempt);
    f.ledger.markVerified(r.uuid, r.attempt);
    return r.uuid;
  };
  const total = (rows: ReturnType<typeof burnStats>, outcome: string): number => rows.filter((r) => r.outcome === outcome).reduce((n, r) => n + r.n, 0);

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
    expect(rows.filter((r) => r.outcome !== 'verified').map((r) => `${r.slot} ${r.outcome} ${r.code} ${r.n}`).sort()).toEqual([
      'slot-1 failed TIMEOUT 1', 'slot-2 suspect DISCONNECTED 1', 'slot-3 failed DISCONNECTED 1',
    ]);
    expect(rows.every((r) => r.hour === start && (r.outcome === 'verified' || r.groupId === f.groupId))).toBe(true);
  });

  it('reads every record of the range however many older ones there are, through the time index', () => {
    const insert = f.vault.db.prepare("INSERT INTO burn_records (uuid, group_id, slot, attempt, result, reason, at) VALUES (?, ?, 'slot-1', 'a', ?, NULL, ?)");
    const old = start - 30 * 24 * 3600_000;
    f.vault.db.transaction(() => {
      for (let i = 0; i < 100_000; i++) insert.run(`old${String(i).padStart(13, '0')}`, f.groupId, 'verified', old + i);
      for (let i = 0; i < 50; i++) insert.run(`new${String(i).padStart(13, '0')}`, f.groupId, 'verified', start + i * 1000);
    })();
    const rows = burnStats(f.vault.db, { from: start - 24 * 3600_000, to: start + 3600_000 });
    expect(total(rows, 'verified')).toBe(50);
    expect(burnRecordsSince(f.vault.db, start - 24 * 3600_000)).toHaveLength(50);
    expect(burnRecordsSince(f.vault.db, start - 24 * 3600_000, 'another group')).toHaveLength(0);
    const plan = f.vault.db.prepare(`EXPLAIN QUERY PLAN ${burnStatsSql}`).all({ from: 0, to: 1 }) as { detail: string }[];
    expect(plan.map((p) => p.detail).join('\n')).toContain('burn_records_by_time');
  });
});
