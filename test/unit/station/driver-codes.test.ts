import { describe, expect, it } from 'vitest';
import { failureMessage } from '../../../main/station';
import { burnFailureCodeSchema } from '../../../common/api/schemas';
import { burnFailureCodes } from '../../../native/protocols/types';
import { messages } from '../../../native/protocols/tuyaopen-cli/messages';
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

  it("take a protocol's own code's words from its folder, and say a code no protocol declares as the driver's fault", () => {
    const own = messages.OTP_UNSUPPORTED.station;
    expect(failureMessage('OTP_UNSUPPORTED', 4, { license: 'released', uuid: 'u1' })).toBe(
      `${own.what.replace('{{slot}}', '4')} Nothing was written; license u1 went back to the group. ${own.todo}`,
    );
    expect(failureMessage('NOT_A_CODE_OF_ANY_PROTOCOL', 3, { detail: 'the driver said so' })).toBe(
      'The station hit an internal error while burning on slot 3 (the driver said so). Call a supervisor.',
    );
  });
});
