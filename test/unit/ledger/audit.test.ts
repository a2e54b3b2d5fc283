import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { burnReportCsv, csvField, disagreeingLicenseQuery, ledgerQueries } from '../../../main/ledger';
import { ledgerFixture, type LedgerFixture } from './helpers';

let f: LedgerFixture;
beforeEach(async () => {
  f = await ledgerFixture(10);
  // A few burns so the chain has entries of every kind.
  for (let i = 0; i < 3; i++) {
    const r = f.ledger.reserve(f.groupId, { slot: `s${i}` });
    f.ledger.markSending(r.uuid, r.attempt);
    f.ledger.markWritten(r.uuid, r.attempt);
    f.ledger.markVerified(r.uuid, r.attempt, { moduleMac: `A0B0C0D0E0F${i}` });
  }
});
afterEach(() => f.close());

const db = () => f.vault.db;

describe('audit chain', () => {
  it('verifies end to end when nobody touched it', () => {
    expect(f.ledger.verifyAudit()).toEqual({
      ok: true,
      entries: 14,
      headHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      licenses: 10,
      clockWentBack: 0,
    });
  });

  it('names a license whose row was set back to available outside the ledger (a burned license offered again)', () => {
    const burned = f.licenses[1]?.uuid as string;
    const last = db().prepare<[string], { seq: number }>('SELECT max(seq) AS seq FROM audit_log WHERE license_uuid = ?').get(burned)?.seq;
    db().prepare("UPDATE licenses SET state = 'available' WHERE uuid = ?").run(burned);
    const result = f.ledger.verifyAudit();
    expect(result).toMatchObject({ ok: false, uuid: burned, brokenAt: last, entries: 14, licenses: 10 });
    if (!result.ok)
      expect(result.reason).toBe(
        `license ${burned} is available in the vault but was left verified by audit entry ${last}: its row was changed outside the ledger. Do not burn from its group until a supervisor has checked the vault`,
      );
  });

  it('names a license with no audit entry of its own that is not available, and only the first of several', () => {
    const untouched = f.licenses[7]?.uuid as string;
    db().prepare("UPDATE licenses SET state = 'void' WHERE uuid IN (?, ?)").run(untouched, f.licenses[9]?.uuid);
    const result = f.ledger.verifyAudit();
    expect(result).toMatchObject({ ok: false, uuid: untouched, brokenAt: 0 });
    if (!result.ok) expect(result.reason).toContain('is void in the vault but has no audit entry, so it should be available');
  });

  it('checks licenses only when the chain itself holds', () => {
    db().prepare("UPDATE licenses SET state = 'available' WHERE uuid = ?").run(f.licenses[0]?.uuid);
    db().prepare('DELETE FROM audit_log WHERE seq = 5').run();
    expect(f.ledger.verifyAudit()).toMatchObject({ ok: false, brokenAt: 5, uuid: null, licenses: null });
  });

  it('agrees with every transition the ledger makes, recovery, suspects and voids included', () => {
    const r = f.ledger.reserve(f.groupId, { slot: 's1' });
    f.ledger.markSending(r.uuid, r.attempt);
    const kept = f.ledger.reserve(f.groupId, { slot: 's2' });
    f.ledger.recover();
    f.ledger.voidSuspect(r.uuid, 'module broke', { by: 'test' });
    f.ledger.markSpoiledReported([r.uuid]);
    f.ledger.markReported([f.licenses[0]?.uuid as string]);
    expect(f.ledger.verifyAudit()).toMatchObject({ ok: true, licenses: 10 });
    expect(f.ledger.license(kept.uuid).state).toBe('available');
    expect(f.ledger.license(r.uuid).state).toBe('void');
  });

  it('names the entry whose content was edited directly in the database', () => {
    db().prepare("UPDATE audit_log SET detail = replace(detail, 's1', 's7') WHERE seq = 7").run();
    expect(f.ledger.verifyAudit()).toMatchObject({ ok: false, brokenAt: 7, entries: 6 });
  });

  it('names an entry whose recorded state change was edited', () => {
    db().prepare("UPDATE audit_log SET to_state = 'available' WHERE seq = 9").run();
    const result = f.ledger.verifyAudit();
    expect(result).toMatchObject({ ok: false, brokenAt: 9 });
    if (!result.ok) expect(result.reason).toContain('altered');
  });

  it('names the first missing entry when one is deleted from the middle', () => {
    db().prepare('DELETE FROM audit_log WHERE seq = 5').run();
    expect(f.ledger.verifyAudit()).toMatchObject({ ok: false, brokenAt: 5 });
  });

  it('notices entries cut off the end', () => {
    db().prepare('DELETE FROM audit_log WHERE seq >= 13').run();
    const result = f.ledger.verifyAudit();
    expect(result).toMatchObject({ ok: false, brokenAt: 13, entries: 12 });
  });

  it('notices a relinked chain (an entry replaced with a self-consistent forgery)', () => {
    const row = db().prepare<[], { hash: string }>('SELECT hash FROM audit_log WHERE seq = 4').get();
    db().prepare("UPDATE audit_log SET prev_hash = ?, hash = 'f00d' WHERE seq = 5").run(row?.hash);
    expect(f.ledger.verifyAudit()).toMatchObject({ ok: false, brokenAt: 5 });
  });

  it('refuses to write an entry outside a transaction or with a secret-looking detail', () => {
    expect(() => f.vault.audit.append({ action: 'x' })).toThrow(/same transaction/);
    expect(() => db().transaction(() => f.vault.audit.append({ action: 'x', detail: { authkey: 'nope' } }))()).toThrow(/secret/);
  });
});

describe('burn report CSV', () => {
  it('lists every burn with uuid, module MAC, serial, slot, time and result, never an authkey', () => {
    const csv = f.ledger.exportBurnReportCsv({ groupId: f.groupId });
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('uuid,module_mac,module_serial,slot,time,result,reason,group,operator');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(new RegExp(`^${f.licenses[0]?.uuid},A0B0C0D0E0F0,,s0,\\d{4}-\\d\\d-\\d\\dT[^,]+Z,verified,,${f.groupId},$`));
    for (const l of f.licenses) expect(csv).not.toContain(l.authkey);
  });

  it('quotes fields with commas and defuses spreadsheet formulas', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(null)).toBe('');
    expect(burnReportCsv([])).toBe('uuid,module_mac,module_serial,slot,time,result,reason,group,operator\r\n');
  });
});

describe('hot queries use indexes', () => {
  const plan = (sql: string, ...params: unknown[]): string =>
    db()
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...params)
      .map((r) => (r as { detail: string }).detail)
      .join(' | ');

  it('reserve, lookup by uuid, recovery, suspects, spoiled and counts never scan the licenses table', () => {
    expect(plan(ledgerQueries.nextAvailable, 1)).toMatch(/SEARCH l USING INDEX licenses_by_group_state \(group_key=\? AND state=\?\)/);
    expect(plan(ledgerQueries.byUuid, 'u')).toMatch(/SEARCH l USING INDEX sqlite_autoindex_licenses_1 \(uuid=\?\)/);
    expect(plan(ledgerQueries.inFlight)).toMatch(/SEARCH l USING INDEX licenses_unsettled/);
    expect(plan(ledgerQueries.suspects)).toMatch(/SEARCH l USING INDEX licenses_unsettled/);
    expect(plan(ledgerQueries.spoiledToReport, 10)).toMatch(/l USING INDEX licenses_spoiled_unreported/);
    expect(plan(ledgerQueries.countsByState, 1)).toMatch(/SEARCH licenses USING COVERING INDEX licenses_by_group_state \(group_key=\?\)/);
    expect(plan(ledgerQueries.group, 'g')).toMatch(/USING INDEX sqlite_autoindex_credential_groups_1/);
    for (const sql of Object.values(ledgerQueries))
      expect(plan(sql, ...Array(sql.split('?').length - 1).fill(1))).not.toMatch(/SCAN (l|licenses)\b(?! USING)/);
    expect(plan('SELECT seq, hash FROM audit_head WHERE id = 1')).toMatch(/INTEGER PRIMARY KEY/);
    expect(plan('SELECT * FROM audit_log WHERE license_uuid = ? AND seq > ? ORDER BY seq LIMIT ?', 'u', 0, 1)).toMatch(/audit_by_license/);
    // The audit check reads each license once, in order, and finds its last entry by index.
    expect(plan(disagreeingLicenseQuery)).toMatch(
      /^SCAN l \| SEARCH a USING INTEGER PRIMARY KEY \(rowid=\?\) LEFT-JOIN \| CORRELATED SCALAR SUBQUERY \d+ \| SEARCH x USING COVERING INDEX audit_by_license \(license_uuid=\?\)$/,
    );
  });
});
