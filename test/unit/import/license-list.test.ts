import { describe, expect, it } from 'vitest';
import { describeLicenseListErrors, findKnownUuids, parseLicenseList, type LicenseListParse } from '../../../common/import';
import { readXlsxSheet } from '../../../node/xlsx';
import { fakeLicenses, licensesCsv, licensesXlsx } from './license-fixtures';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const xlsx = { readXlsx: readXlsxSheet };
const U1 = 'abcdefghij0123456789';
const U2 = 'a1b2c3d4e5f6g7h8'; // 16 characters
const K1 = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';
const K2 = '0123456789abcdefghijABCDEFGHIJ01';

function errorsOf(parse: LicenseListParse): { line: number; code: string }[] {
  if (parse.ok) throw new Error('expected the file to be refused');
  return parse.errors.map(({ line, code }) => ({ line, code }));
}
function rowsOf(parse: LicenseListParse) {
  if (!parse.ok) throw new Error(`expected the file to parse: ${describeLicenseListErrors(parse.errors).join('; ')}`);
  return parse.rows;
}

describe('parseLicenseList: good files', () => {
  it('reads a plain CSV with LF line ends', async () => {
    const rows = rowsOf(await parseLicenseList(enc(`uuid,authkey\n${U1},${K1}\n${U2},${K2}\n`), 'list.csv'));
    expect(rows).toEqual([
      { line: 2, uuid: U1, authkey: K1 },
      { line: 3, uuid: U2, authkey: K2 },
    ]);
  });

  it('reads CRLF, a UTF-8 BOM, header names in any case and the usual aliases', async () => {
    const bytes = new Uint8Array([
      0xef,
      0xbb,
      0xbf,
      ...enc(`UUID,Auth_Key,MAC Address,PID\r\n${U1},${K1},aa:bb:cc:dd:ee:0f,p1x\r\n${U2},${K2},,\r\n`),
    ]);
    const rows = rowsOf(await parseLicenseList(bytes, 'list.csv'));
    expect(rows).toEqual([
      { line: 2, uuid: U1, authkey: K1, mac: 'AABBCCDDEE0F', pid: 'p1x' },
      { line: 3, uuid: U2, authkey: K2 },
    ]);
  });

  it('accepts "key" as the authkey column, extra columns, quoted fields and a semicolon delimiter', async () => {
    const text = `"note";"uuid";"key"\n"a ""quoted""; note\nspanning two lines";${U1};${K1}\n;"${U2}";${K2}\n`;
    const rows = rowsOf(await parseLicenseList(enc(text), 'list.csv'));
    expect(rows).toEqual([
      { line: 2, uuid: U1, authkey: K1 },
      { line: 4, uuid: U2, authkey: K2 },
    ]);
  });

  it('reads old Mac line ends (CR alone) through the full CSV reader', async () => {
    const rows = rowsOf(await parseLicenseList(enc(`uuid,authkey\r${U1},${K1}\r\r${U2},${K2}\r`), 'mac.csv'));
    expect(rows.map((r) => [r.line, r.uuid])).toEqual([
      [2, U1],
      [4, U2],
    ]);
  });

  it('skips blank lines and rows of empty cells but keeps file line numbers', async () => {
    const text = `uuid,authkey\n\n${U1},${K1}\n,,\n${U2},${K2}`;
    const rows = rowsOf(await parseLicenseList(enc(text), 'list.csv'));
    expect(rows.map((r) => r.line)).toEqual([3, 5]);
  });

  it('reads an XLSX made by exceljs, with the header on row 1', async () => {
    const licenses = fakeLicenses(50, { withMac: true });
    const bytes = await licensesXlsx([['UUID', 'AuthKey', 'mac'], ...licenses.map((l) => [l.uuid, l.authkey, l.mac ?? null])]);
    const rows = rowsOf(await parseLicenseList(bytes, 'License List.xlsx', xlsx));
    expect(rows).toHaveLength(50);
    expect(rows[0]).toEqual({ line: 2, uuid: licenses[0]?.uuid, authkey: licenses[0]?.authkey, mac: licenses[0]?.mac });
    expect(rows[49]?.line).toBe(51);
  });

  it('recognises XLSX by its bytes even with a .csv name', async () => {
    const bytes = await licensesXlsx([
      ['uuid', 'authkey'],
      [U1, K1],
    ]);
    const parse = await parseLicenseList(bytes, 'download.csv', xlsx);
    expect(parse.format).toBe('xlsx');
    expect(rowsOf(parse)).toEqual([{ line: 2, uuid: U1, authkey: K1 }]);
  });

  it('parses 10,000 generated licenses', async () => {
    const licenses = fakeLicenses(10_000);
    const rows = rowsOf(await parseLicenseList(licensesCsv(licenses, { eol: '\r\n', bom: true }), 'big.csv'));
    expect(rows.map((r) => r.uuid)).toEqual(licenses.map((l) => l.uuid));
  });
});

describe('parseLicenseList: bad files name every bad row', () => {
  it('refuses wrong lengths and bad characters, one entry per problem, with file line numbers', async () => {
    const text = [
      'uuid,authkey,mac',
      `${U1},${K1},`, // 2 good
      `abc,${K1.slice(1)},`, // 3 short uuid, short authkey
      `ABCDEFGHIJ0123456789,${K2},`, // 4 upper-case uuid
      `${U2},${K2.slice(0, 31)}!,`, // 5 bad char in authkey
      `abcdefghij012345678z,${K1},12345`, // 6 bad MAC
      `abcdefghij01234567 z,${K1},`, // 7 space in uuid
      `,${K1},`, // 8 empty uuid
      `abcdefghij0123456780,,`, // 9 empty authkey
    ].join('\n');
    const parse = await parseLicenseList(enc(text), 'bad.csv');
    expect(errorsOf(parse)).toEqual([
      { line: 3, code: 'BAD_UUID' },
      { line: 3, code: 'BAD_AUTHKEY' },
      { line: 4, code: 'BAD_UUID' },
      { line: 5, code: 'BAD_AUTHKEY' },
      { line: 6, code: 'BAD_MAC' },
      { line: 7, code: 'BAD_UUID' },
      { line: 8, code: 'BAD_UUID' },
      { line: 9, code: 'BAD_AUTHKEY' },
    ]);
    if (parse.ok) return;
    expect(parse.errors[0]?.reason).toContain('3 characters long');
    expect(parse.errors[2]?.reason).toContain('"A"');
    expect(parse.errors[5]?.reason).toContain('a space');
    // The report never repeats an authkey, even a malformed one.
    for (const e of parse.errors) expect(e.reason).not.toContain(K2.slice(0, 31));
  });

  it('finds duplicate uuids and MACs within the file, naming the repeat and the first line', async () => {
    const text = `uuid,authkey,mac\n${U1},${K1},AABBCCDDEEFF\n${U2},${K2},aabbccddeeff\n${U1},${K2},\n`;
    const parse = await parseLicenseList(enc(text), 'dup.csv');
    expect(errorsOf(parse)).toEqual([
      { line: 3, code: 'DUPLICATE_MAC' },
      { line: 4, code: 'DUPLICATE_UUID' },
    ]);
    if (!parse.ok) expect(parse.errors[1]?.reason).toContain('first on line 2');
  });

  it('finds uuids already held elsewhere (across files) next to the other errors', async () => {
    const known = new Set([U2]);
    const text = `uuid,authkey\n${U1},${K1}\n${U2},${K2}\nbad,${K1}\n`;
    const parse = await parseLicenseList(enc(text), 'again.csv', { knownUuids: known });
    expect(errorsOf(parse)).toEqual([
      { line: 3, code: 'KNOWN_UUID' },
      { line: 4, code: 'BAD_UUID' },
    ]);
    expect(
      findKnownUuids(
        [
          { line: 7, uuid: U1 },
          { line: 8, uuid: U2 },
        ],
        known,
      ),
    ).toEqual([expect.objectContaining({ line: 8, code: 'KNOWN_UUID' })]);
  });

  it('refuses a file without a uuid or authkey column, listing what it found', async () => {
    const parse = await parseLicenseList(enc(`id,secret\n${U1},${K1}\n`), 'cols.csv');
    expect(errorsOf(parse)).toEqual([
      { line: 1, code: 'MISSING_COLUMN' },
      { line: 1, code: 'MISSING_COLUMN' },
    ]);
    if (!parse.ok) expect(parse.errors[0]?.reason).toContain('"id", "secret"');
  });

  it('refuses two columns that both mean authkey', async () => {
    expect(errorsOf(await parseLicenseList(enc(`uuid,key,authkey\n${U1},${K1},${K1}\n`), 'x.csv'))).toEqual([
      { line: 1, code: 'DUPLICATE_COLUMN' },
    ]);
  });

  it('refuses an empty file, a BOM-only file and a header without rows', async () => {
    expect(errorsOf(await parseLicenseList(new Uint8Array(), 'empty.csv'))).toEqual([{ line: 1, code: 'EMPTY_FILE' }]);
    expect(errorsOf(await parseLicenseList(new Uint8Array([0xef, 0xbb, 0xbf, 0x0d, 0x0a]), 'bom.csv'))).toEqual([
      { line: 1, code: 'EMPTY_FILE' },
    ]);
    expect(errorsOf(await parseLicenseList(enc('uuid,authkey\r\n'), 'header.csv'))).toEqual([{ line: 1, code: 'NO_ROWS' }]);
    expect(errorsOf(await parseLicenseList(await licensesXlsx([]), 'empty.xlsx', xlsx))).toEqual([{ line: 1, code: 'EMPTY_FILE' }]);
  });

  it('refuses text that is not UTF-8, an unclosed quote, a damaged XLSX and an old .xls', async () => {
    expect(errorsOf(await parseLicenseList(new Uint8Array([0x75, 0x75, 0x69, 0x64, 0xff, 0xfe, 0x0a]), 'latin.csv'))).toEqual([
      { line: 1, code: 'NOT_UTF8' },
    ]);
    expect(errorsOf(await parseLicenseList(enc(`uuid,authkey\n${U1},${K1}\n"${U2},${K2}\n`), 'q.csv'))).toEqual([
      { line: 3, code: 'UNCLOSED_QUOTE' },
    ]);
    const book = await licensesXlsx([
      ['uuid', 'authkey'],
      [U1, K1],
    ]);
    expect(errorsOf(await parseLicenseList(book.slice(0, 200), 'cut.xlsx', xlsx))).toEqual([{ line: 1, code: 'UNREADABLE_FILE' }]);
    expect(errorsOf(await parseLicenseList(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 1, 2]), 'old.xls'))).toEqual([
      { line: 1, code: 'UNSUPPORTED_FORMAT' },
    ]);
  });

  it('names bad rows of an XLSX by their sheet row numbers', async () => {
    const bytes = await licensesXlsx([
      ['uuid', 'authkey'],
      [U1, K1],
      [U2, 'short'],
      [U1, K2],
    ]);
    expect(errorsOf(await parseLicenseList(bytes, 'bad.xlsx', xlsx))).toEqual([
      { line: 3, code: 'BAD_AUTHKEY' },
      { line: 4, code: 'DUPLICATE_UUID' },
    ]);
  });

  it("reads .xlsx only through the reader it is given: without one it asks for CSV; any reader's rows are validated alike", async () => {
    const book = await licensesXlsx([
      ['uuid', 'authkey'],
      [U1, K1],
    ]);
    expect(errorsOf(await parseLicenseList(book, 'list.xlsx'))).toEqual([{ line: 1, code: 'UNSUPPORTED_FORMAT' }]);
    const rows = [
      { line: 3, cells: ['uuid', 'authkey'] },
      { line: 4, cells: ['', ' '] },
      { line: 7, cells: [U2, K2] },
    ];
    expect(rowsOf(await parseLicenseList(book, 'list.xlsx', { readXlsx: () => Promise.resolve(rows) }))).toEqual([
      { line: 7, uuid: U2, authkey: K2 },
    ]);
  });

  it('describes errors as one plain line each', () => {
    expect(describeLicenseListErrors([{ line: 4, code: 'BAD_UUID', reason: 'uuid is empty.' }])).toEqual([
      'line 4: uuid is empty. [BAD_UUID]',
    ]);
  });
});
