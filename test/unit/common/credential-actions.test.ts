// The Operation column's rule for Assign: who may assign a credential to a factory, line or station, and when not.
import { describe, expect, it } from 'vitest';
import { allowedActions, type ActionRole, type ActionSubject } from '../../../common/credential-actions';

const subject = (o: Partial<ActionSubject> = {}): ActionSubject => ({
  state: 'valid',
  owner: 'mine',
  confirmed: true,
  deliveryMode: 'credential',
  origin: 'purchase',
  features: { homekit: false, findmy: false },
  unusedAtHub: 4,
  unused: 4,
  licenses: 4,
  jobRunning: false,
  updateRequests: 0,
  ...o,
});
const assign = (role: ActionRole, s: ActionSubject) => allowedActions(role, s).find((a) => a.action === 'assign')!;

describe('Assign in allowedActions', () => {
  it("is the credential manager's and a factory manager's, not the platform's, an auditor's or a station's", () => {
    expect(assign('owner', subject())).toEqual({ action: 'assign', allowed: true });
    expect(assign('factory', subject())).toEqual({ action: 'assign', allowed: true });
    for (const role of ['platform', 'auditor', 'station'] as const)
      expect(assign(role, subject()), role).toEqual({
        action: 'assign',
        allowed: false,
        reason: "Only the credential manager or a factory's manager assigns credentials to lines and stations.",
      });
  });

  it('is refused while a product change is under review, as the hub refuses it (CREDENTIAL_UNDER_REVIEW)', () => {
    expect(assign('factory', subject({ state: 'confirming_update' })).reason).toMatch(/under review \(waiting for approval\)/);
    expect(assign('owner', subject({ state: 'being_paid' })).reason).toMatch(/under review \(waiting for payment\)/);
  });

  it("is allowed for a customer's credential not confirmed yet, an updated one, a locked list and one with nothing left", () => {
    for (const s of [
      subject({ owner: 'customer', confirmed: false }),
      subject({ state: 'updated' }),
      subject({ state: 'list_generated', deliveryMode: 'license_list' }),
      subject({ unusedAtHub: 0, unused: 0 }),
    ])
      expect(assign('factory', s).allowed, JSON.stringify(s)).toBe(true);
  });
});
