import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FloorPeople } from '../../../main/app/people';
import { PEOPLE_KEY } from '../../../main/sync';
import { ledgerFixture, type LedgerFixture } from '../ledger/helpers';

/** Who is at the station: sign-on by number or badge, and the idle sign-off, on a real vault with a test clock. */
describe('operators at the station', () => {
  let f: LedgerFixture;
  let now: number;
  let idle: number;
  let stopped: number;
  let announced: (string | null)[];
  let people: FloorPeople;
  beforeEach(async () => {
    f = await ledgerFixture(1);
    now = Date.UTC(2026, 0, 1, 8);
    idle = 30;
    stopped = 0;
    announced = [];
    f.vault.putSecret(
      PEOPLE_KEY,
      JSON.stringify({
        lines: [],
        operators: [{ accountId: '0b9f1c2e-4a5d-4e6f-8a7b-9c0d1e2f3a4b', name: 'li.wang', number: '17', badge: 'BADGE-17' }],
        supervisors: [],
      }),
    );
    people = new FloorPeople({
      clock: { now: () => now },
      vault: () => f.vault,
      idleMinutes: () => idle,
      onOperator: (n) => announced.push(n),
      stopSlots: () => {
        stopped++;
        return Promise.resolve();
      },
    });
  });
  afterEach(() => f.close());

  it('signs off an operator idle for the set time (the slots stop first), and never when the time is 0', async () => {
    people.signOn('BADGE-17');
    now += 29 * 60_000;
    people.touch();
    now += 29 * 60_000;
    await people.checkIdle();
    expect(people.current).toBe('17');
    now += 60_000;
    await people.checkIdle();
    expect(people.current).toBeNull();
    expect(stopped).toBe(1);
    expect(people.session()).toMatchObject({ operator: null, signedOff: 'idle' });
    expect(announced).toEqual(['17', null]);
    people.signOn('17');
    expect(people.session().signedOff).toBeNull();
    idle = 0;
    now += 24 * 3600_000;
    await people.checkIdle();
    expect(people.current).toBe('17');
    const actions = f.vault.db.prepare("SELECT action, detail FROM audit_log WHERE action LIKE 'operator.%' ORDER BY seq").all() as {
      action: string;
      detail: string;
    }[];
    expect(actions.map((a) => `${a.action} ${JSON.parse(a.detail).reason ?? ''}`.trim())).toEqual([
      'operator.signed-on',
      'operator.signed-off idle',
      'operator.signed-on',
    ]);
  });

  it("keeps the station's own operators beside the hub's; a badge or number signs on only its holder", () => {
    people.addOperator({ number: '8', name: 'Zhao Min' });
    expect(people.operators()).toEqual([
      { number: '17', name: 'li.wang', hasBadge: true, source: 'hub' },
      { number: '8', name: 'Zhao Min', hasBadge: false, source: 'station' },
    ]);
    expect(() => people.addOperator({ number: '9', name: 'X', badge: 'BADGE-17' })).toThrow(
      expect.objectContaining({ code: 'BADGE_TAKEN' }) as Error,
    );
    expect(() => people.signOn('BADGE-8')).toThrow(expect.objectContaining({ code: 'OPERATOR_UNKNOWN' }) as Error);
    expect(people.signOn(' 8 ').operator).toEqual({ number: '8', name: 'Zhao Min' });
    expect(people.operatorLabel('8')).toBe('Zhao Min (8)');
    expect(people.operatorLabel('99')).toBe('99');
  });
});
