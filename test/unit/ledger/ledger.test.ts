import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../../common/errors';
import type { LicenseState } from '../../../common/license';
import { ledgerActions, type LedgerAction, type Reservation } from '../../../main/ledger';
import { openDatabase } from '../../../main/vault';
import type { BurnOutcome, ModuleIdentity } from '../../../native/protocols/types';
import { ledgerFixture, type LedgerFixture } from './helpers';

let f: LedgerFixture;
beforeEach(async () => {
  f = await ledgerFixture();
});
afterEach(() => f.close());

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isAppError(e)) return e.code;
    throw e;
  }
  throw new Error('expected an AppError');
}
const auditCount = (): number => f.vault.audit.entries({ limit: 1e9 }).length;
const identity = (uuid: string | null, authkey: string | null = null): ModuleIdentity => ({ uuid, authkey, mac: 'A0B0C0D0E0F0' });

/** Brings a fresh license (reserved for slot "s1") to `state`. */
function licenseIn(state: LicenseState): Reservation & { uuid: string } {
  const r = f.ledger.reserve(f.groupId, { slot: 's1' });
  const { uuid, attempt } = r;
  const steps: Record<LicenseState, () => void> = {
    available: () => f.ledger.release(uuid, attempt, 'test'),
    reserved: () => undefined,
    sending: () => f.ledger.markSending(uuid, attempt),
    written: () => (steps.sending(), f.ledger.markWritten(uuid, attempt)),
    verified: () => (steps.written(), f.ledger.markVerified(uuid, attempt)),
    reported: () => (steps.verified(), f.ledger.markReported([uuid])),
    suspect: () => (steps.sending(), f.ledger.markSuspect(uuid, attempt, 'timeout')),
    void: () => (steps.suspect(), f.ledger.voidSuspect(uuid, 'module scrapped')),
    rejected: () => f.ledger.reject(uuid, attempt, 'the uuid must be exactly 16 plain characters'),
  };
  steps[state]();
  expect(f.ledger.license(uuid).state).toBe(state);
  return r;
}

/** Each ledger action as the API exposes it, on one license. */
// Recovery and reconciliation run only on open and on a rolled-back vault: tested in their own files.
const perform: Record<Exclude<LedgerAction, 'recover-release' | 'recover-suspect' | `reconcile-${string}`>, (r: Reservation) => void> = {
  reserve: (r) => f.ledger.reserve(f.groupId, { slot: 's2', uuid: r.uuid }),
  release: (r) => f.ledger.release(r.uuid, r.attempt, 'test'),
  send: (r) => f.ledger.markSending(r.uuid, r.attempt),
  written: (r) => f.ledger.markWritten(r.uuid, r.attempt),
  verify: (r) => f.ledger.markVerified(r.uuid, r.attempt),
  suspect: (r) => f.ledger.markSuspect(r.uuid, r.attempt, 'timeout'),
  reject: (r) => f.ledger.reject(r.uuid, r.attempt, 'no PID'),
  'resolve-verified': (r) => f.ledger.resolveSuspect(r.uuid, identity(r.uuid), { confirmUnidentified: true }),
  'resolve-released': (r) => f.ledger.resolveSuspect(r.uuid, identity(null), { confirmUnidentified: true }),
  void: (r) => f.ledger.voidSuspect(r.uuid, 'scrapped'),
  report: (r) => f.ledger.markReported([r.uuid]),
};
const allStates: LicenseState[] = ['available', 'reserved', 'sending', 'written', 'verified', 'reported', 'suspect', 'void', 'rejected'];

describe('ledger: the burn path', () => {
  it('takes a license from available to reported, one audit entry per transition, and records the burn', () => {
    const before = auditCount();
    const r = f.ledger.reserve(f.groupId, { slot: 'slot-1' });
    const first = f.licenses[0];
    expect(r).toMatchObject({ uuid: first?.uuid, authkey: first?.authkey, mac: first?.mac, pid: 'p1', slot: 'slot-1', groupId: f.groupId });
    expect(f.ledger.license(r.uuid)).toMatchObject({ state: 'reserved', slot: 'slot-1', attempt: r.attempt });
    f.ledger.markSending(r.uuid, r.attempt);
    f.ledger.markWritten(r.uuid, r.attempt);
    f.ledger.markVerified(r.uuid, r.attempt, { moduleMac: 'A0B0C0D0E0F0', moduleSerial: 'SN-0001' });
    expect(f.ledger.license(r.uuid)).toMatchObject({ state: 'verified', moduleMac: 'A0B0C0D0E0F0', moduleSerial: 'SN-0001' });
    f.ledger.markReported([r.uuid]);
    expect(f.ledger.license(r.uuid).state).toBe('reported');

    const entries = f.vault.audit.entries({ uuid: r.uuid });
    expect(entries.map((e) => [e.action, e.from, e.to])).toEqual([
      ['license.reserve', 'available', 'reserved'],
      ['license.send', 'reserved', 'sending'],
      ['license.written', 'sending', 'written'],
      ['license.verify', 'written', 'verified'],
      ['license.report', 'verified', 'reported'],
    ]);
    expect(auditCount()).toBe(before + 5);
    expect(JSON.stringify(entries)).not.toContain(r.authkey);
    expect(f.ledger.burnRecords()).toEqual([
      expect.objectContaining({
        uuid: r.uuid,
        result: 'verified',
        slot: 'slot-1',
        moduleMac: 'A0B0C0D0E0F0',
        moduleSerial: 'SN-0001',
        attempt: r.attempt,
      }),
    ]);
    expect(f.ledger.verifyAudit()).toMatchObject({ ok: true });
  });

  it('hands out licenses in import order, each to one slot only', () => {
    const uuids = Array.from({ length: 20 }, (_, i) => f.ledger.reserve(f.groupId, { slot: `slot-${i % 4}` }).uuid);
    expect(uuids).toEqual(f.licenses.map((l) => l.uuid));
    expect(new Set(uuids).size).toBe(20);
    expect(codeOf(() => f.ledger.reserve(f.groupId, { slot: 'slot-0' }))).toBe('NO_LICENSE_AVAILABLE');
  });

  it('gives a released license to the next reservation, under a new attempt', () => {
    const r = f.ledger.reserve(f.groupId, { slot: 's1' });
    f.ledger.release(r.uuid, r.attempt, 'no module answered');
    expect(f.ledger.license(r.uuid)).toMatchObject({ state: 'available', attempt: null, slot: null });
    const again = f.ledger.reserve(f.groupId, { slot: 's2' });
    expect(again.uuid).toBe(r.uuid);
    expect(again.attempt).not.toBe(r.attempt);
    expect(codeOf(() => f.ledger.markSending(r.uuid, r.attempt))).toBe('ATTEMPT_MISMATCH');
    expect(f.ledger.burnRecords()).toEqual([expect.objectContaining({ uuid: r.uuid, result: 'failed', reason: 'no module answered' })]);
  });

  it('commits sending to disk before beforeWrite resolves (another connection sees it)', async () => {
    const r = f.ledger.reserve(f.groupId, { slot: 's1' });
    await f.ledger.beforeWrite(r)(identity(null));
    const other = openDatabase(join(f.dir, 'station.vault'), { readonly: true });
    expect(other.prepare('SELECT state FROM licenses WHERE uuid = ?').get(r.uuid)).toEqual({ state: 'sending' });
    other.close();
    expect(f.vault.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
  });

  it('keeps the connection at synchronous=FULL around the two transitions committed without their own fsync, even when refused', () => {
    const full = (): unknown => f.vault.db.pragma('synchronous', { simple: true });
    const r = f.ledger.reserve(f.groupId, { slot: 's1' });
    expect(full()).toBe(2);
    expect(codeOf(() => f.ledger.markWritten(r.uuid, r.attempt))).toBe('ILLEGAL_TRANSITION');
    expect(full()).toBe(2);
    f.ledger.markSending(r.uuid, r.attempt);
    f.ledger.markWritten(r.uuid, r.attempt);
    expect(full()).toBe(2);
    f.ledger.blockGroup(f.groupId, 'review');
    expect(codeOf(() => f.ledger.reserve(f.groupId, { slot: 's1' }))).toBe('GROUP_BLOCKED');
    expect(full()).toBe(2);
  });
});

describe('ledger: every transition and every refusal', () => {
  for (const [action, rule] of Object.entries(ledgerActions) as [LedgerAction, { from: readonly LicenseState[]; to: LicenseState }][]) {
    if (action === 'recover-release' || action === 'recover-suspect' || action.startsWith('reconcile-')) continue;
    const act = perform[action as keyof typeof perform];
    for (const state of allStates) {
      const legal = rule.from.includes(state);
      it(`${action} from ${state}: ${legal ? `moves to ${rule.to}` : 'refused with ILLEGAL_TRANSITION, nothing changes'}`, () => {
        const r = licenseIn(state);
        const audit = auditCount();
        if (legal) {
          act(r);
          expect(f.ledger.license(r.uuid).state).toBe(rule.to);
          expect(auditCount()).toBe(audit + 1);
        } else {
          expect(codeOf(() => act(r))).toBe('ILLEGAL_TRANSITION');
          expect(f.ledger.license(r.uuid).state).toBe(state);
          expect(auditCount()).toBe(audit);
        }
      });
    }
  }

  it('never reserves a verified license again, and says why', () => {
    const r = licenseIn('verified');
    let message = '';
    try {
      f.ledger.reserve(f.groupId, { slot: 's9', uuid: r.uuid });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('can never be reserved again');
  });

  it('never releases a sending license, and says to mark it suspect', () => {
    const r = licenseIn('sending');
    let message = '';
    try {
      f.ledger.release(r.uuid, r.attempt, 'cancel');
    } catch (e) {
      expect(isAppError(e, 'ILLEGAL_TRANSITION')).toBe(true);
      message = (e as Error).message;
    }
    expect(message).toContain('never be released');
    expect(f.ledger.license(r.uuid).state).toBe('sending');
  });

  it('refuses a stale attempt, unknown licenses and groups', () => {
    const r = licenseIn('reserved');
    expect(codeOf(() => f.ledger.markSending(r.uuid, 'another-attempt'))).toBe('ATTEMPT_MISMATCH');
    expect(codeOf(() => f.ledger.markSending('zzzzzzzzzzzzzzzz', r.attempt))).toBe('LICENSE_NOT_FOUND');
    expect(codeOf(() => f.ledger.reserve('no-such-group', { slot: 's1' }))).toBe('GROUP_NOT_FOUND');
    expect(codeOf(() => f.ledger.counts('no-such-group'))).toBe('GROUP_NOT_FOUND');
  });

  it('refuses to reserve from a blocked group with GROUP_BLOCKED and the reason, until unblocked', () => {
    f.ledger.blockGroup(f.groupId, 'update request under review');
    let error: unknown;
    try {
      f.ledger.reserve(f.groupId, { slot: 's1' });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'GROUP_BLOCKED', details: { reason: 'update request under review' } });
    expect((error as Error).message).toContain('update request under review');
    expect(f.vault.getGroup(f.groupId)).toMatchObject({ state: 'blocked', blockedReason: 'update request under review' });
    expect(codeOf(() => f.ledger.blockGroup(f.groupId, ' '))).toBe('REASON_REQUIRED');
    f.ledger.unblockGroup(f.groupId);
    expect(f.ledger.reserve(f.groupId, { slot: 's1' }).uuid).toBe(f.licenses[0]?.uuid);
    expect(f.vault.audit.entries().map((e) => e.action)).toContain('group.blocked');
  });

  it('puts a license whose sealed authkey was altered back to available and refuses with VAULT_TAMPERED', () => {
    const uuid = f.licenses[0]?.uuid as string;
    f.vault.db
      .prepare("UPDATE licenses SET sealed_authkey = x'00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff' WHERE uuid = ?")
      .run(uuid);
    let error: unknown;
    try {
      f.ledger.reserve(f.groupId, { slot: 's1' });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'VAULT_TAMPERED', details: { uuid, groupId: f.groupId } });
    expect((error as Error).message).toMatch(
      new RegExp(
        `^The authkey of license ${uuid} fails its integrity check in the vault .* Nothing was sent; the license went back to its group`,
      ),
    );
    expect(f.ledger.license(uuid).state).toBe('available');
  });
});

describe('ledger: recovery, suspects and spoiled licenses', () => {
  it('recover() releases reserved licenses and makes sending/written ones suspect, audited; settled ones stay', () => {
    const reserved = licenseIn('reserved');
    const sending = licenseIn('sending');
    const written = licenseIn('written');
    const verified = licenseIn('verified');
    const suspect = licenseIn('suspect');
    const report = f.ledger.recover();
    expect(report).toEqual({ released: [reserved.uuid], suspected: [sending.uuid, written.uuid] });
    expect(f.ledger.license(reserved.uuid).state).toBe('available');
    expect(f.ledger.license(sending.uuid).state).toBe('suspect');
    expect(f.ledger.license(written.uuid).state).toBe('suspect');
    expect(f.ledger.license(verified.uuid).state).toBe('verified');
    expect(f.ledger.license(suspect.uuid).state).toBe('suspect');
    expect(f.vault.audit.entries({ uuid: written.uuid }).at(-1)).toMatchObject({
      action: 'license.recover-suspect',
      from: 'written',
      to: 'suspect',
    });
    expect(f.ledger.recover()).toEqual({ released: [], suspected: [] });
    expect(f.ledger.verifyAudit().ok).toBe(true);
  });

  it("settles a suspect on its own module: holds it -> verified, holds nothing -> released, another -> the supervisor's choice, another authkey -> void", () => {
    const a = licenseIn('suspect');
    const b = licenseIn('suspect');
    const c = licenseIn('suspect');
    const d = licenseIn('suspect');
    const confirmed = { confirmUnidentified: true } as const;
    expect(f.ledger.listSuspects().map((l) => l.uuid)).toEqual([a.uuid, b.uuid, c.uuid, d.uuid]);
    expect(f.ledger.resolveSuspect(a.uuid, identity(a.uuid, a.authkey), { by: 'supervisor-1', moduleSerial: 'SN-9', ...confirmed })).toBe(
      'verified',
    );
    const other = f.licenses[19]?.uuid as string;
    expect(codeOf(() => f.ledger.resolveSuspect(b.uuid, identity(other), confirmed))).toBe('CHOICE_REQUIRED');
    expect(f.ledger.resolveSuspect(b.uuid, identity(other), { ...confirmed, otherLicense: 'void' })).toBe('void');
    expect(codeOf(() => f.ledger.resolveSuspect(c.uuid, null, confirmed))).toBe('MODULE_NOT_READ');
    expect(f.ledger.resolveSuspect(c.uuid, identity(null), confirmed)).toBe('released');
    expect(f.ledger.resolveSuspect(d.uuid, identity(d.uuid, 'X'.repeat(32)), confirmed)).toBe('void');
    expect(f.ledger.license(a.uuid)).toMatchObject({ state: 'verified', moduleSerial: 'SN-9' });
    expect(f.ledger.license(c.uuid)).toMatchObject({ state: 'available', slot: null, attempt: null, moduleMac: null, moduleSerial: null });
    expect(f.vault.audit.entries({ uuid: c.uuid }).at(-1)).toMatchObject({
      action: 'license.resolve-released',
      from: 'suspect',
      to: 'available',
      detail: expect.objectContaining({ identifiedBy: 'supervisor', reason: 'its module was read back holding no license' }),
    });
    expect(f.vault.audit.entries({ uuid: b.uuid }).at(-1)?.detail).toMatchObject({
      reason: expect.stringContaining('the supervisor chose to void it'),
    });
    expect(
      f.ledger
        .burnRecords({ limit: 100 })
        .filter((x) => x.uuid === c.uuid)
        .at(-1),
    ).toMatchObject({ result: 'released' });
    expect(f.ledger.listSuspects()).toEqual([]);
    expect(f.ledger.listSuspects(f.groupId)).toEqual([]);
    // The released license is burned again later, by the next reservation in import order.
    expect(f.ledger.reserve(f.groupId, { slot: 's3' }).uuid).toBe(c.uuid);

    expect(f.ledger.spoiledToReport().map((l) => l.uuid)).toEqual([b.uuid, d.uuid]);
    f.ledger.markSpoiledReported([b.uuid]);
    expect(f.ledger.spoiledToReport().map((l) => l.uuid)).toEqual([d.uuid]);
    expect(codeOf(() => f.ledger.markSpoiledReported([b.uuid]))).toBe('ILLEGAL_TRANSITION');
    expect(codeOf(() => f.ledger.markSpoiledReported([a.uuid]))).toBe('ILLEGAL_TRANSITION');
    expect(f.ledger.spoiledToReport().map((l) => l.uuid)).toEqual([d.uuid]);
  });

  it("settles a suspect only on the module of the burn: its MAC from sending, else its serial label, else a supervisor's word", async () => {
    const byMac = f.ledger.reserve(f.groupId, { slot: 'slot-2' });
    await f.ledger.beforeWrite(byMac, { moduleSerial: null })({ uuid: null, authkey: null, mac: 'A0B0C0D0E0F0' });
    f.ledger.markSuspect(byMac.uuid, byMac.attempt, 'timeout');
    expect(f.ledger.license(byMac.uuid)).toMatchObject({ state: 'suspect', moduleMac: 'A0B0C0D0E0F0' });
    let message = '';
    try {
      f.ledger.resolveSuspect(byMac.uuid, { uuid: null, authkey: null, mac: 'A0B0C0D0E0F9' }, { confirmUnidentified: true });
    } catch (e) {
      expect(isAppError(e, 'WRONG_MODULE')).toBe(true);
      message = (e as Error).message;
    }
    expect(message).toMatch(/^This is not the module that was in slot 2 at \d\d:\d\d, MAC A0B0C0D0E0F0: put that module in the jig\.$/);
    expect(f.ledger.license(byMac.uuid).state).toBe('suspect');
    // The same MAC in another spelling is the same module.
    expect(f.ledger.resolveSuspect(byMac.uuid, { uuid: byMac.uuid, authkey: null, mac: 'a0:b0:c0:d0:e0:f0' })).toBe('verified');

    const bySerial = f.ledger.reserve(f.groupId, { slot: 'slot-3' });
    await f.ledger.beforeWrite(bySerial, { moduleSerial: 'SN-77' })({ uuid: null, authkey: null, mac: null });
    f.ledger.markSuspect(bySerial.uuid, bySerial.attempt, 'timeout');
    expect(codeOf(() => f.ledger.resolveSuspect(bySerial.uuid, identity(null)))).toBe('MODULE_UNIDENTIFIED');
    expect(codeOf(() => f.ledger.resolveSuspect(bySerial.uuid, identity(null), { moduleSerial: 'SN-78' }))).toBe('WRONG_MODULE');
    expect(f.ledger.resolveSuspect(bySerial.uuid, identity(null), { moduleSerial: 'SN-77' })).toBe('released');
    expect(f.vault.audit.entries({ uuid: bySerial.uuid }).at(-1)?.detail).toMatchObject({ identifiedBy: 'serial' });
  });

  it('sets a rejected license aside for good, with its reason: never reserved again, never voided, listed with why', () => {
    const r = f.ledger.reserve(f.groupId, { slot: 'slot-1' });
    f.ledger.reject(r.uuid, r.attempt, 'this module asks for the product PID and none was given');
    expect(f.ledger.license(r.uuid)).toMatchObject({ state: 'rejected' });
    expect(f.ledger.reserve(f.groupId, { slot: 'slot-1' }).uuid).not.toBe(r.uuid);
    expect(codeOf(() => f.ledger.reserve(f.groupId, { slot: 'slot-1', uuid: r.uuid }))).toBe('ILLEGAL_TRANSITION');
    let message = '';
    try {
      f.ledger.voidSuspect(r.uuid, 'x');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('is rejected');
    expect(f.ledger.listRejected()).toEqual([
      expect.objectContaining({ uuid: r.uuid, state: 'rejected', reason: 'this module asks for the product PID and none was given' }),
    ]);
    expect(f.ledger.listRejected('other-group')).toEqual([]);
    expect(f.vault.audit.entries({ uuid: r.uuid }).at(-1)).toMatchObject({ action: 'license.reject', from: 'reserved', to: 'rejected' });
    expect(f.ledger.burnRecords().at(-1)).toMatchObject({ uuid: r.uuid, result: 'rejected' });
    expect(f.ledger.verifyAudit()).toMatchObject({ ok: true });
  });

  it("sets a group's PID, audited with who set it; refuses a PID that is not one", () => {
    f.ledger.setGroupPid(f.groupId, 'newpid01', { by: 'supervisor-1' });
    expect(f.vault.getGroup(f.groupId).pid).toBe('newpid01');
    expect(f.vault.audit.entries().at(-1)).toMatchObject({
      action: 'group.pid-set',
      groupId: f.groupId,
      detail: { from: 'p1', to: 'newpid01', by: 'supervisor-1' },
    });
    expect(codeOf(() => f.ledger.setGroupPid(f.groupId, 'has space'))).toBe('BAD_PID');
    expect(codeOf(() => f.ledger.setGroupPid('nope', 'p2'))).toBe('GROUP_NOT_FOUND');
    // Reservations carry the group's PID from now on.
    expect(f.ledger.reserve(f.groupId, { slot: 's1' }).pid).toBe('newpid01');
  });

  it("counts a group's licenses so that they add up to its total, and failed attempts apart", () => {
    licenseIn('verified');
    licenseIn('reported');
    licenseIn('suspect');
    licenseIn('void');
    licenseIn('rejected');
    licenseIn('sending');
    licenseIn('reserved');
    licenseIn('available'); // one failed attempt
    const c = f.ledger.counts(f.groupId);
    expect(c).toEqual({
      total: 20,
      left: 15,
      available: 13,
      reserved: 1,
      burning: 1,
      burned: 2,
      reported: 1,
      suspect: 1,
      rejected: 1,
      void: 1,
      failedAttempts: 1,
    });
    expect(c.left + c.burned + c.suspect + c.rejected + c.void).toBe(c.total);
    expect(f.ledger.counts(f.groupId, { since: f.vault.clock.now() + 60_000 }).failedAttempts).toBe(0);
  });
});

describe('ledger: driver outcomes', () => {
  const ok = (uuid: string): BurnOutcome => ({
    ok: true,
    exposure: 'verified',
    module: { uuid, authkey: null, mac: 'A0B0C0D0E0F1' },
    durationMs: 5,
  });
  const failed = (exposure: 'nothing-sent' | 'sent-outcome-unknown'): BurnOutcome => ({
    ok: false,
    exposure,
    step: exposure === 'nothing-sent' ? 'check' : 'write',
    error: { code: exposure === 'nothing-sent' ? 'ALREADY_AUTHORIZED' : 'TIMEOUT', message: 'no answer' },
    durationMs: 5,
  });

  it('a verified burn goes sending -> written -> verified through the driver hooks', async () => {
    const r = f.ledger.reserve(f.groupId, { slot: 's1' });
    await f.ledger.beforeWrite(r)(identity(null));
    f.ledger.onStep(r)('verify');
    expect(f.ledger.license(r.uuid).state).toBe('written');
    expect(f.ledger.finishBurn(r, ok(r.uuid), { moduleSerial: 'SN-1' })).toBe('verified');
    expect(f.ledger.license(r.uuid)).toMatchObject({ state: 'verified', moduleMac: 'A0B0C0D0E0F1', moduleSerial: 'SN-1' });
  });

  it('nothing sent before sending was journaled: released; after: suspect, never released', async () => {
    const a = f.ledger.reserve(f.groupId, { slot: 's1' });
    expect(f.ledger.finishBurn(a, failed('nothing-sent'))).toBe('available');
    const b = f.ledger.reserve(f.groupId, { slot: 's1' });
    await f.ledger.beforeWrite(b)(identity(null));
    expect(f.ledger.finishBurn(b, failed('nothing-sent'))).toBe('suspect');
    const c = f.ledger.reserve(f.groupId, { slot: 's1' });
    await f.ledger.beforeWrite(c)(identity(null));
    expect(f.ledger.finishBurn(c, failed('sent-outcome-unknown'))).toBe('suspect');
    expect(f.ledger.burnRecords().map((x) => [x.result, x.reason])).toEqual([
      ['failed', 'ALREADY_AUTHORIZED at check: no answer'],
      ['suspect', 'ALREADY_AUTHORIZED at check: no answer'],
      ['suspect', 'TIMEOUT at write: no answer'],
    ]);
  });

  it('a license the module cannot take (INVALID_LICENSE, nothing sent) is rejected, not released: it never comes back first in line', () => {
    const a = f.ledger.reserve(f.groupId, { slot: 's1' });
    const invalid: BurnOutcome = {
      ok: false,
      exposure: 'nothing-sent',
      step: 'check',
      error: {
        code: 'INVALID_LICENSE',
        message: 'This license cannot be burned over tuya-auc: the uuid must be exactly 16 plain characters (it has 20).',
        details: { rejection: 'uuid', uuidLength: 20 },
      },
      durationMs: 1,
    };
    expect(f.ledger.finishBurn(a, invalid)).toBe('rejected');
    // the driver's typed cause is kept with the reason
    expect(f.ledger.listRejected()).toEqual([expect.objectContaining({ uuid: a.uuid, cause: 'uuid', reason: invalid.error.message })]);
    expect(f.ledger.reserve(f.groupId, { slot: 's1' }).uuid).not.toBe(a.uuid);
    expect(f.ledger.burnRecords().map((x) => [x.uuid, x.result])).toEqual([[a.uuid, 'rejected']]);
    // Once sending is journaled, even INVALID_LICENSE cannot set it aside: it may be in the module.
    const b = f.ledger.reserve(f.groupId, { slot: 's2' });
    f.ledger.markSending(b.uuid, b.attempt);
    expect(f.ledger.finishBurn(b, invalid)).toBe('suspect');
  });

  it('records the truth when a driver skipped beforeWrite: verified if the module holds it, suspect if bytes left', () => {
    const a = f.ledger.reserve(f.groupId, { slot: 's1' });
    expect(f.ledger.finishBurn(a, ok(a.uuid))).toBe('verified');
    const b = f.ledger.reserve(f.groupId, { slot: 's1' });
    expect(f.ledger.finishBurn(b, failed('sent-outcome-unknown'))).toBe('suspect');
    expect(f.vault.audit.entries({ uuid: a.uuid }).map((e) => e.to)).toEqual(['reserved', 'sending', 'written', 'verified']);
  });
});
