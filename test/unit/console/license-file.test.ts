import { describe, expect, it } from 'vitest';
import { licenseListCsv, licenseListXlsx, type LicenseFileRow } from '../../../common/license-file';
import { parseLicenseList } from '../../../common/import';
import { readXlsxSheet } from '../../../node/xlsx';
import { generateDemoLicenses } from '../../../hub/demo';

const rows: LicenseFileRow[] = generateDemoLicenses(30).map((l, i) => ({
  uuid: l.uuid,
  authkey: l.authkey,
  mac: i % 3 === 0 ? null : l.mac!,
  pid: 'demoplug01',
}));

describe('downloaded license files', () => {
  it('a CSV the station imports back, row for row', async () => {
    const parsed = await parseLicenseList(new TextEncoder().encode(licenseListCsv(rows)), 'list.csv');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.rows.map((r) => [r.uuid, r.authkey, r.mac ?? null, r.pid])).toEqual(rows.map((r) => [r.uuid, r.authkey, r.mac, r.pid]));
  });

  it('an XLSX that exceljs opens and the station imports back, row for row', async () => {
    const bytes = licenseListXlsx(rows);
    const sheet = await readXlsxSheet(bytes);
    expect(sheet[0]!.cells).toEqual(['uuid', 'authkey', 'mac', 'pid']);
    expect(sheet).toHaveLength(rows.length + 1);
    const parsed = await parseLicenseList(bytes, 'list.xlsx', { readXlsx: readXlsxSheet });
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.rows.map((r) => r.uuid)).toEqual(rows.map((r) => r.uuid));
  });
});
