import type { BurnFailureCodeOut } from '../../common/api/schemas';

/** Turns `[{ label, reasons: [{code, count}] }]` into recharts rows `{ label, TIMEOUT: 2, ... }` and the codes that occur. */
export function pivotReasons(list: { label: string; reasons: { code: BurnFailureCodeOut; count: number }[] }[]): { rows: Record<string, string | number>[]; codes: BurnFailureCodeOut[] } {
  const codes = new Set<BurnFailureCodeOut>();
  const rows = list.map((item) => {
    const row: Record<string, string | number> = { label: item.label };
    for (const r of item.reasons) { row[r.code] = (Number(row[r.code] ?? 0)) + r.count; codes.add(r.code); }
    return row;
  });
  return { rows, codes: [...codes].sort() };
}
