import { describe, expect, it } from 'vitest';
import { feedWedge, settleWedge, wedgeInitial, type WedgeOutput, type WedgeState } from '../../../renderer/state/wedge';

function type(keys: [string, number][]): WedgeOutput[] {
  let s: WedgeState = wedgeInitial;
  const out: WedgeOutput[] = [];
  for (const [k, t] of keys) {
    const r = feedWedge(s, k, t);
    s = r.state;
    out.push(...r.out);
  }
  const last = keys.at(-1)![1];
  out.push(...settleWedge(s, last + 1000).out);
  return out;
}

describe('keyboard wedge (barcode scanner)', () => {
  it('reads a fast burst ending in Enter as a scanned serial', () => {
    const keys = [...'SN-2024-0042'].map((c, i) => [c, 1000 + i * 8] as [string, number]);
    expect(type([...keys, ['Enter', 1100]])).toEqual([{ kind: 'scan', serial: 'SN-2024-0042' }]);
  });

  it('reads slow keys as shortcuts, digits included', () => {
    expect(
      type([
        ['1', 0],
        ['2', 400],
        [' ', 900],
        ['r', 1500],
      ]),
    ).toEqual([
      { kind: 'key', key: '1' },
      { kind: 'key', key: '2' },
      { kind: 'key', key: ' ' },
      { kind: 'key', key: 'r' },
    ]);
  });

  it('does not take a short fast burst for a scan', () => {
    const out = type([
      ['1', 0],
      ['2', 5],
      ['Enter', 10],
    ]);
    expect(out.some((o) => o.kind === 'scan')).toBe(false);
  });

  it('passes non-character keys through at once', () => {
    expect(type([['ArrowRight', 0]])).toEqual([{ kind: 'key', key: 'ArrowRight' }]);
  });
});
