import { describe, expect, it } from 'vitest';
import { failureMessage } from '../../../main/station';
import { burnFailureCodeSchema } from '../../../common/api/schemas';
import { burnFailureCodes } from '../../../native/protocols/types';
import { en } from '../../../renderer/i18n/en';

// Every code a driver can give has an operator message here, in the API and on screen.
describe('driver failure codes reach the operator', () => {
  it('are all in the API and the screen texts', () => {
    for (const code of burnFailureCodes) {
      expect(burnFailureCodeSchema.safeParse(code).success, code).toBe(true);
      expect(en.burnError[code], code).toMatch(/slot \{\{slot\}\}/);
      expect(en.reason[code], code).toBeTruthy();
    }
  });

  it('say what happened and one thing to do', () => {
    expect(failureMessage('MAC_UNREADABLE', 2)).toBe(
      "The firmware of the module on slot 2 cannot read the module's Wi-Fi MAC address, so it refused the license. Place the next module.",
    );
    expect(failureMessage('OTP_UNSUPPORTED', 2)).toMatch(/one-time memory .*\. Ask a supervisor/);
    expect(failureMessage('DRIVER_INTERNAL', 3, { detail: 'x is undefined' })).toBe(
      'The station hit an internal error while burning on slot 3 (x is undefined). Call a supervisor.',
    );
  });
});
