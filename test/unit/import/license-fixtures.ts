// Licenses that look like the platform's: generated, never real.
import { randomBytes } from 'node:crypto';
import ExcelJS from 'exceljs';

const lower = '0123456789abcdefghijklmnopqrstuvwxyz';
const mixed = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function pick(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[(bytes[i] as number) % alphabet.length];
  return out;
}

export interface FakeLicense {
  uuid: string;
  authkey: string;
  mac?: string;
}

/** `count` distinct licenses; uuids carry `prefix` so two batches never collide. */
export function fakeLicenses(count: number, options: { prefix?: string; withMac?: boolean; uuidLength?: 16 | 20 } = {}): FakeLicense[] {
  const length = options.uuidLength ?? 20;
  const prefix = (options.prefix ?? pick(lower, 4)).slice(0, length - 8);
  const middle = length - 8 - prefix.length;
  // One random draw for the whole batch: fixtures of a million licenses stay quick.
  const perLicense = middle + 32;
  const random = randomBytes(count * perLicense);
  const out: FakeLicense[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * perLicense;
    let mid = '';
    for (let j = 0; j < middle; j++) mid += lower[(random[at + j] as number) % 36];
    let authkey = '';
    for (let j = 0; j < 32; j++) authkey += mixed[(random[at + middle + j] as number) % 62];
    const license: FakeLicense = { uuid: prefix + mid + i.toString(36).padStart(8, '0'), authkey };
    if (options.withMac) license.mac = (0xa0b0c0000000 + i).toString(16).toUpperCase().padStart(12, '0');
    out.push(license);
  }
  return out;
}

export function licensesCsv(
  licenses: FakeLicense[],
  options: { header?: string; eol?: string; bom?: boolean; withMac?: boolean } = {},
): Uint8Array {
  const eol = options.eol ?? '\n';
  const header = options.header ?? (options.withMac ? 'uuid,authkey,mac' : 'uuid,authkey');
  const lines = [header, ...licenses.map((l) => (options.withMac ? `${l.uuid},${l.authkey},${l.mac ?? ''}` : `${l.uuid},${l.authkey}`))];
  const text = lines.join(eol) + eol;
  const body = Buffer.from(text, 'utf8');
  return options.bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
}

export async function licensesXlsx(rows: (string | number | null)[][]): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('License List');
  for (const row of rows) sheet.addRow(row);
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}
