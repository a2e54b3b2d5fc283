import { describe, expect, it } from 'vitest';
import { cannotTell, freshGuard, holdsGuard, nextGuard, removalGuard, type JigProbe, type SwapGuard } from '../../../main/station';

const absent: JigProbe = { present: false };
const holding = (uuid: string | null): JigProbe => ({ present: true, identity: { uuid, authkey: null, mac: null } });
const unreadable: JigProbe = { present: true, identity: null };

/** Feeds probes at the given times; returns the burn verdict of each. */
function feed(guard: SwapGuard, probes: [number, JigProbe][], removalMs = 400): boolean[] {
  const verdicts: boolean[] = [];
  for (const [t, probe] of probes) {
    const next = nextGuard(guard, probe, t, removalMs);
    guard = next.guard;
    verdicts.push(next.burn);
  }
  return verdicts;
}

describe('swap guard', () => {
  it('fresh: burns the first module that answers', () => {
    expect(
      feed(freshGuard(), [
        [0, absent],
        [10, holding(null)],
      ]),
    ).toEqual([false, true]);
  });

  it('holds: never burns the module that holds the license just burned, even after it was taken out and put back', () => {
    expect(
      feed(holdsGuard('u1'), [
        [0, holding('u1')],
        [100, absent],
        [1000, absent],
        [1100, holding('u1')],
        [1200, holding('u1')],
      ]),
    ).toEqual([false, false, false, false, false]);
  });

  it('holds: burns a blank module or one with another license at once, without seeing the jig empty', () => {
    expect(
      feed(holdsGuard('u1'), [
        [0, holding('u1')],
        [10, holding(null)],
      ]),
    ).toEqual([false, true]);
    expect(feed(holdsGuard('u1'), [[0, holding('u2')]])).toEqual([true]);
  });

  it('holds: an unreadable module is burned only after the jig was seen empty long enough', () => {
    expect(
      feed(holdsGuard('u1'), [
        [0, unreadable],
        [50, unreadable],
      ]),
    ).toEqual([false, false]);
    expect(
      feed(holdsGuard('u1'), [
        [0, absent],
        [100, absent],
        [150, unreadable],
      ]),
    ).toEqual([false, false, false]);
    expect(
      feed(holdsGuard('u1'), [
        [0, absent],
        [500, absent],
        [550, unreadable],
      ]),
    ).toEqual([false, false, true]);
  });

  it('holds: a read of what the module holds left unanswered is a silence, so the module that answers next is burned', () => {
    // removalMs 200, the slot's default. The burned module answered the presence check and was taken out before the read: 500 ms unanswered.
    const silentRead: JigProbe = { present: true, identity: null, silentMs: 500 };
    expect(
      feed(
        holdsGuard('u1'),
        [
          [500, silentRead],
          [560, silentRead],
        ],
        200,
      ),
    ).toEqual([false, true]);
    expect(
      feed(
        holdsGuard('u1'),
        [
          [500, silentRead],
          [560, unreadable],
        ],
        200,
      ),
    ).toEqual([false, true]);
    // A short unanswered read is continued by the silence that follows it.
    expect(
      feed(
        holdsGuard('u1'),
        [
          [300, { present: true, identity: null, silentMs: 100 }],
          [450, { present: false, silentMs: 150 }],
          [460, unreadable],
        ],
        200,
      ),
    ).toEqual([false, false, true]);
    expect(
      feed(
        holdsGuard('u1'),
        [
          [300, { present: true, identity: null, silentMs: 100 }],
          [310, unreadable],
        ],
        200,
      ),
    ).toEqual([false, false]);
  });

  it('holds: the module that holds the license answering after an unanswered read cancels that silence', () => {
    expect(
      feed(
        holdsGuard('u1'),
        [
          [500, { present: true, identity: null, silentMs: 500 }],
          [560, holding('u1')],
          [620, unreadable],
        ],
        200,
      ),
    ).toEqual([false, false, false]);
  });

  it('holds: a module that answers but cannot be read, never seen leaving, makes the slot say it cannot tell after unsureMs', () => {
    let guard = holdsGuard('u1');
    const told = (probes: [number, JigProbe][]): boolean[] =>
      probes.map(([t, probe]) => {
        const next = nextGuard(guard, probe, t, 200);
        guard = next.guard;
        expect(next.burn).toBe(false);
        return cannotTell(guard, t, 1000);
      });
    expect(
      told([
        [0, holding('u1')],
        [100, unreadable],
        [600, unreadable],
        [1099, unreadable],
        [1100, unreadable],
      ]),
    ).toEqual([false, false, false, false, true]);
    // Anything else ends it: the module read (the old one), a silence, an unanswered read.
    expect(told([[1200, holding('u1')]])).toEqual([false]);
    expect(
      told([
        [1300, unreadable],
        [2300, unreadable],
        [2350, { present: true, identity: null, silentMs: 100 }],
        [3400, unreadable],
      ]),
    ).toEqual([false, true, false, false]);
    expect(cannotTell(removalGuard(), 5000, 1000)).toBe(false);
  });

  it('holds: the old module seen again cancels an earlier removal', () => {
    expect(
      feed(holdsGuard('u1'), [
        [0, absent],
        [500, absent],
        [550, holding('u1')],
        [600, unreadable],
      ]),
    ).toEqual([false, false, false, false]);
  });

  it('removal: after a failure waits for the jig to stay empty for removalMs, then burns the next module', () => {
    expect(
      feed(removalGuard(), [
        [0, holding(null)],
        [100, holding(null)],
      ]),
    ).toEqual([false, false]);
    expect(
      feed(removalGuard(), [
        [0, absent],
        [399, absent],
        [400, holding(null)],
      ]),
    ).toEqual([false, false, false]);
    expect(
      feed(removalGuard(), [
        [0, absent],
        [400, absent],
        [450, holding(null)],
      ]),
    ).toEqual([false, false, true]);
  });

  it('removal: one look left unanswered for its whole wait counts its silence, so a swap in 200 ms is seen', () => {
    // The failed module is taken out at 0 and the next one is in at 200: the look sent at 20 waits 250 ms unanswered.
    expect(
      feed(
        removalGuard(),
        [
          [270, { present: false, silentMs: 250 }],
          [275, holding(null)],
        ],
        200,
      ),
    ).toEqual([false, true]);
    // A look that failed at once (a port error) is no silence.
    expect(
      feed(
        removalGuard(),
        [
          [270, { present: false, silentMs: 1 }],
          [275, holding(null)],
        ],
        200,
      ),
    ).toEqual([false, false]);
  });

  it('removal: a short gap (a missed answer) is not a removal', () => {
    expect(
      feed(removalGuard(), [
        [0, absent],
        [100, holding(null)],
        [200, absent],
        [450, holding(null)],
      ]),
    ).toEqual([false, false, false, false]);
  });
});
