// The .xlsx adapter (node/xlsx.ts) gives the rows a person sees in the first sheet that holds
// anything: sheet row numbers, column A first, cell text as shown, blank rows left out.
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { readXlsxSheet } from '../../../node/xlsx';

async function workbook(build: (book: ExcelJS.Workbook) => void): Promise<Uint8Array> {
  const book = new ExcelJS.Workbook();
  build(book);
  return new Uint8Array(await book.xlsx.writeBuffer());
}

describe('readXlsxSheet', () => {
  it('skips an empty first sheet, keeps sheet row numbers and columns when the table starts at B3', async () => {
    const bytes = await workbook((book) => {
      book.addWorksheet('Cover');
      const sheet = book.addWorksheet('Licenses');
      sheet.getCell('B3').value = 'uuid';
      sheet.getCell('C3').value = 'authkey';
      sheet.getCell('B4').value = 'uuidaaaa00000001';
      sheet.getCell('C4').value = { richText: [{ text: 'Key' }, { font: { bold: true }, text: 'Part2' }] };
      // row 5 left blank
      sheet.getCell('B6').value = 123456789012;
      sheet.getCell('C6').value = true;
      sheet.getCell('D7').value = new Date(Date.UTC(2026, 11, 4, 8, 30));
    });
    expect(await readXlsxSheet(bytes)).toEqual([
      { line: 3, cells: ['', 'uuid', 'authkey'] },
      { line: 4, cells: ['', 'uuidaaaa00000001', 'KeyPart2'] },
      { line: 6, cells: ['', '123456789012', 'true'] },
      { line: 7, cells: ['', '', '', '2026-12-04T08:30:00.000Z'] },
    ]);
  });

  it('reads a workbook with nothing in it as no rows, and refuses a workbook cut short at any length', async () => {
    expect(await readXlsxSheet(await workbook((book) => book.addWorksheet('Empty')))).toEqual([]);
    const whole = await workbook((book) => book.addWorksheet('S').addRow(['uuid', 'authkey']));
    for (const length of [0, 30, 200, 1000, whole.length - 10])
      await expect(readXlsxSheet(whole.slice(0, length)), `${length} bytes`).rejects.toThrow();
  });
});
