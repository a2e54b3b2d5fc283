import type { SheetRow, XlsxReader } from '../common/import';

/**
 * The .xlsx reader of license lists, over SheetJS (the @e965/xlsx republication
 * of SheetJS CE 0.20.3): the only file that imports it (eslint.config.js), so
 * trying another package is a change here alone. Loaded on first use: CSV
 * imports and the hub's other paths never pay for it.
 */
export const readXlsxSheet: XlsxReader = async (bytes) => {
  // A zip cut short has no end-of-central-directory record: SheetJS would spend up to a minute
  // trying other formats on some such files before it gives up, so it is refused here at once.
  if (!hasZipEnd(bytes)) throw new Error('The file ends before its table of contents: it was cut short or damaged.');
  const XLSX = await import('@e965/xlsx');
  const workbook = XLSX.read(bytes, {
    type: 'buffer',
    dense: true,
    cellDates: true,
    cellFormula: false,
    cellHTML: false,
    cellStyles: false,
  });
  // The first sheet that holds anything: some exports put an empty sheet first.
  for (const name of workbook.SheetNames) {
    const sheet = workbook.Sheets[name];
    if (!sheet?.['!ref']) continue;
    const range = XLSX.utils.decode_range(sheet['!ref']);
    const grid = XLSX.utils.sheet_to_json<unknown[]>(sheet, { header: 1, raw: true, blankrows: true, defval: null });
    const rows: SheetRow[] = [];
    grid.forEach((values, i) => {
      // Column A is cells[0] wherever the sheet's range starts; trailing empty cells are not cells.
      const cells = [...Array<string>(range.s.c).fill(''), ...values.map(cellText)];
      while (cells.length > 0 && cells.at(-1) === '') cells.pop();
      if (cells.length > 0) rows.push({ line: range.s.r + i + 1, cells });
    });
    if (rows.length > 0) return rows;
  }
  return [];
};

/** The text a person sees in a cell, from the cell's raw value. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** A zip's end-of-central-directory record (PK 5 6) within its last 64 KiB + 22 bytes. */
function hasZipEnd(bytes: Uint8Array): boolean {
  const from = Math.max(0, bytes.length - 65_557);
  for (let at = bytes.length - 22; at >= from; at--) {
    if (bytes[at] === 0x50 && bytes[at + 1] === 0x4b && bytes[at + 2] === 0x05 && bytes[at + 3] === 0x06) return true;
  }
  return false;
}
