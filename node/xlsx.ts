import type { SheetRow, XlsxReader } from '../common/import';

/**
 * The .xlsx reader of license lists, over exceljs: the only file that imports
 * it (eslint.config.js), so trying another package is a change here alone.
 * Loaded on first use: CSV imports and the hub's other paths never pay for it.
 */
export const readXlsxSheet: XlsxReader = async (bytes) => {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  // The first sheet that holds anything: some exports put an empty sheet first.
  const sheet = workbook.worksheets.find((ws) => ws.actualRowCount > 0);
  const rows: SheetRow[] = [];
  sheet?.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const values = row.values as unknown[];
    const cells: string[] = [];
    for (let col = 1; col < values.length; col++) cells.push(cellText(values[col]));
    rows.push({ line: rowNumber, cells });
  });
  return rows;
};

/** The text a person sees in a cell, whatever exceljs made of it. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const v = value as { richText?: { text: string }[]; text?: unknown; result?: unknown; error?: unknown };
    if (Array.isArray(v.richText)) return v.richText.map((r) => r.text).join('');
    if (v.text !== undefined) return cellText(v.text);
    if (v.result !== undefined) return cellText(v.result);
    if (v.error !== undefined) return String(v.error);
  }
  return String(value);
}
