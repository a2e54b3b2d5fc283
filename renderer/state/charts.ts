import type { BurnFailureCodeOut } from '../../common/api/schemas';

/** Turns `[{ label, reasons: [{code, count}] }]` into recharts rows `{ label, TIMEOUT: 2, ... }` and the codes that occur. */
export function pivotReasons(list: { label: string; reasons: { code: BurnFailureCodeOut; count: number }[] }[]): {
  rows: Record<string, string | number>[];
  codes: BurnFailureCodeOut[];
} {
  const codes = new Set<BurnFailureCodeOut>();
  const rows = list.map((item) => {
    const row: Record<string, string | number> = { label: item.label };
    for (const r of item.reasons) {
      row[r.code] = Number(row[r.code] ?? 0) + r.count;
      codes.add(r.code);
    }
    return row;
  });
  return { rows, codes: [...codes].sort() };
}

/** A label cut to `max` characters (a CJK character counts as two: it is twice as wide), with an ellipsis when cut. */
export function oneLine(label: string, max: number): string {
  const width = (c: string): number => (/[\u2e80-\u9fff\uac00-\ud7af\uff00-\uffef]/.test(c) ? 2 : 1);
  let used = 0;
  const chars = [...label];
  const total = chars.reduce((n, c) => n + width(c), 0);
  if (total <= max) return label;
  let out = '';
  for (const c of chars) {
    if (used + width(c) > max - 1) break;
    out += c;
    used += width(c);
  }
  return `${out.trimEnd()}…`;
}
