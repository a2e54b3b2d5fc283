import { authkeySchema, macSchema, pidSchema, uuidSchema } from '../license';

/**
 * The platform's License List download (CSV or XLSX) turned into validated
 * rows, or into a report naming every bad row. Pure: bytes in, result out.
 * CSV is read here; an .xlsx workbook is read by the XlsxReader the caller
 * passes (node/xlsx.ts), so no spreadsheet package is loaded from common/.
 */

/** One good row. `line` is the 1-based line of the file (the header is line 1). */
export interface LicenseListRow {
  line: number;
  uuid: string;
  authkey: string;
  mac?: string;
  pid?: string;
}

export type LicenseListErrorCode =
  | 'EMPTY_FILE'
  | 'NOT_UTF8'
  | 'UNREADABLE_FILE'
  | 'UNSUPPORTED_FORMAT'
  | 'UNCLOSED_QUOTE'
  | 'MISSING_COLUMN'
  | 'DUPLICATE_COLUMN'
  | 'NO_ROWS'
  | 'BAD_UUID'
  | 'BAD_AUTHKEY'
  | 'BAD_MAC'
  | 'BAD_PID'
  | 'DUPLICATE_UUID'
  | 'DUPLICATE_MAC'
  | 'KNOWN_UUID';

/** One problem on one line. A line with two problems has two entries. */
export interface LicenseListError {
  line: number;
  reason: string;
  code: LicenseListErrorCode;
  /** The row's uuid, where the error is about it being known already (KNOWN_UUID). */
  uuid?: string;
}

export type LicenseListFormat = 'csv' | 'xlsx';

export type LicenseListParse =
  | { ok: true; format: LicenseListFormat; rows: LicenseListRow[] }
  | { ok: false; format: LicenseListFormat | null; errors: LicenseListError[] };

/** Anything that answers "is this uuid already held?": a Set, or a vault lookup. */
export interface KnownUuids {
  has(uuid: string): boolean;
}

/** One non-empty row of a sheet: its 1-based row number in the file and the text of each cell. */
export interface SheetRow {
  line: number;
  cells: string[];
}

/**
 * Reads the first sheet of an .xlsx workbook that holds anything, as the text a
 * person sees in each cell (the parser drops rows with nothing in them).
 * Throws when the bytes are not a readable workbook.
 */
export type XlsxReader = (bytes: Uint8Array) => Promise<SheetRow[]>;

export interface ParseLicenseListOptions {
  /** uuids already held elsewhere (the vault, earlier files): a row repeating one is refused. */
  knownUuids?: KnownUuids;
  /** Reads .xlsx files; without it only CSV is read. */
  readXlsx?: XlsxReader;
}

type Column = 'uuid' | 'authkey' | 'mac' | 'pid';

/** Header names we accept, compared after lower-casing and dropping spaces, `_` and `-`. */
const columnAliases: Record<Column, readonly string[]> = {
  uuid: ['uuid', 'deviceuuid'],
  authkey: ['authkey', 'key', 'auzkey'],
  mac: ['mac', 'macaddress'],
  pid: ['pid', 'productid'],
};
const requiredColumns: readonly Column[] = ['uuid', 'authkey'];

const normalizeHeader = (h: string): string =>
  h
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '');

/** A table as read from the file: each record with the file line it starts on. */
interface Table {
  records: SheetRow[];
}

type Read = { ok: true; table: Table } | { ok: false; errors: LicenseListError[] };

export async function parseLicenseList(
  bytes: Uint8Array,
  fileName: string,
  options: ParseLicenseListOptions = {},
): Promise<LicenseListParse> {
  const format = detectFormat(bytes, fileName);
  if (format === 'unsupported') {
    return {
      ok: false,
      format: null,
      errors: [
        {
          line: 1,
          code: 'UNSUPPORTED_FORMAT',
          reason: `"${fileName}" is an old binary Excel file (.xls); save it as .xlsx or .csv and import that.`,
        },
      ],
    };
  }
  if (bytes.length === 0) {
    return {
      ok: false,
      format,
      errors: [{ line: 1, code: 'EMPTY_FILE', reason: 'The file is empty; download the License List again from the platform.' }],
    };
  }
  const read = format === 'xlsx' ? await readXlsx(bytes, options.readXlsx) : readCsv(bytes);
  if (!read.ok) return { ok: false, format, errors: read.errors };
  return { ...validateTable(read.table, options.knownUuids), format } as LicenseListParse;
}

/**
 * Checks rows that are already valid against uuids held elsewhere (the vault,
 * other files). Returns one KNOWN_UUID error per repeated row.
 */
export function findKnownUuids(rows: readonly Pick<LicenseListRow, 'line' | 'uuid'>[], known: KnownUuids): LicenseListError[] {
  const errors: LicenseListError[] = [];
  for (const row of rows) {
    if (known.has(row.uuid))
      errors.push({
        line: row.line,
        code: 'KNOWN_UUID',
        reason: `uuid ${row.uuid} is already held (imported before); remove the row or import a fresh list.`,
      });
  }
  return errors;
}

/** The report as plain lines, one per problem, for a CLI or a log. */
export function describeLicenseListErrors(errors: readonly LicenseListError[]): string[] {
  return errors.map((e) => `line ${e.line}: ${e.reason} [${e.code}]`);
}

function detectFormat(bytes: Uint8Array, fileName: string): LicenseListFormat | 'unsupported' {
  const name = fileName.toLowerCase();
  const zip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  if (name.endsWith('.xlsx') || zip) return 'xlsx';
  // An OLE2 compound file: the old binary .xls format, which no reader here takes.
  const ole = bytes.length >= 4 && bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0;
  if (name.endsWith('.xls') || ole) return 'unsupported';
  return 'csv';
}

function readCsv(bytes: Uint8Array): Read {
  let text: string;
  try {
    // Strips a UTF-8 BOM; refuses bytes that are not UTF-8 instead of guessing.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return {
      ok: false,
      errors: [{ line: 1, code: 'NOT_UTF8', reason: 'The file is not UTF-8 text; export it again as "CSV UTF-8" or as .xlsx.' }],
    };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = pickDelimiter(firstLine);
  return parseCsvText(text, delimiter);
}

/** Excel in some locales saves CSV with `;` or tabs; the header line tells. */
function pickDelimiter(headerLine: string): string {
  const count = (c: string): number => headerLine.split(c).length - 1;
  const candidates = [',', ';', '\t'].map((c) => [c, count(c)] as const).sort((a, b) => b[1] - a[1]);
  return candidates[0] && candidates[0][1] > 0 ? candidates[0][0] : ',';
}

/** RFC 4180 CSV with quoted fields (embedded delimiters, quotes and line breaks), CRLF or LF. */
function parseCsvText(text: string, delimiter: string): Read {
  // Platform exports carry no quotes: split lines directly, many times faster than the character walk.
  if (!text.includes('"') && !/\r(?!\n)/.test(text)) return { ok: true, table: { records: splitPlainCsv(text, delimiter) } };
  const records: Table['records'] = [];
  let line = 1;
  let recordLine = 1;
  let cells: string[] = [];
  let field = '';
  let quoted = false;
  let quoteStartLine = 1;
  let i = 0;
  const n = text.length;
  const endRecord = (): void => {
    cells.push(field);
    field = '';
    // Blank lines and rows of empty cells (",,," from spreadsheets) hold no license.
    if (cells.some((c) => c.trim() !== '')) records.push({ line: recordLine, cells });
    cells = [];
  };
  while (i < n) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field.trim() === '') {
      quoted = true;
      quoteStartLine = line;
      field = '';
      i++;
    } else if (c === delimiter) {
      cells.push(field);
      field = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      endRecord();
      i += 2;
      line++;
      recordLine = line;
    } else if (c === '\n' || c === '\r') {
      endRecord();
      i++;
      line++;
      recordLine = line;
    } else {
      field += c;
      i++;
    }
  }
  if (quoted) {
    return {
      ok: false,
      errors: [
        {
          line: quoteStartLine,
          code: 'UNCLOSED_QUOTE',
          reason: 'A quoted field is never closed (a " is missing); fix the file or download it again.',
        },
      ],
    };
  }
  if (field !== '' || cells.length > 0) endRecord();
  return { ok: true, table: { records } };
}

function splitPlainCsv(text: string, delimiter: string): Table['records'] {
  const records: Table['records'] = [];
  let start = 0;
  let line = 1;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const row = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    const cells = row.split(delimiter);
    if (cells.some((c) => c.trim() !== '')) records.push({ line, cells });
    start = end + 1;
    line++;
  }
  return records;
}

async function readXlsx(bytes: Uint8Array, reader: XlsxReader | undefined): Promise<Read> {
  if (!reader)
    return {
      ok: false,
      errors: [
        { line: 1, code: 'UNSUPPORTED_FORMAT', reason: 'Only .csv license lists can be read here; save the list as .csv and import that.' },
      ],
    };
  try {
    return { ok: true, table: { records: (await reader(bytes)).filter((r) => r.cells.some((c) => c.trim() !== '')) } };
  } catch {
    return {
      ok: false,
      errors: [
        {
          line: 1,
          code: 'UNREADABLE_FILE',
          reason: 'The .xlsx file cannot be read (damaged or not an Excel workbook); download the License List again.',
        },
      ],
    };
  }
}

function validateTable(
  table: Table,
  known: KnownUuids | undefined,
): { ok: true; rows: LicenseListRow[] } | { ok: false; errors: LicenseListError[] } {
  const [header, ...body] = table.records;
  if (!header)
    return {
      ok: false,
      errors: [
        { line: 1, code: 'EMPTY_FILE', reason: 'The file holds no header and no rows; download the License List again from the platform.' },
      ],
    };

  const errors: LicenseListError[] = [];
  const index: Partial<Record<Column, number>> = {};
  header.cells.forEach((cell, col) => {
    const name = normalizeHeader(cell);
    for (const column of Object.keys(columnAliases) as Column[]) {
      if (!columnAliases[column].includes(name)) continue;
      if (index[column] !== undefined) {
        errors.push({
          line: header.line,
          code: 'DUPLICATE_COLUMN',
          reason: `The header has two "${column}" columns ("${cell.trim()}" is the second); keep one.`,
        });
      } else {
        index[column] = col;
      }
    }
  });
  for (const column of requiredColumns) {
    if (index[column] === undefined) {
      const names = columnAliases[column].join('", "');
      errors.push({
        line: header.line,
        code: 'MISSING_COLUMN',
        reason: `The header (line ${header.line}) has no ${column} column (expected one of "${names}"); found: ${header.cells.map((c) => `"${c.trim()}"`).join(', ')}.`,
      });
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  if (body.length === 0)
    return { ok: false, errors: [{ line: header.line, code: 'NO_ROWS', reason: 'The file has a header but no licenses under it.' }] };

  const cell = (cells: string[], column: Column): string | undefined => {
    const col = index[column];
    return col === undefined ? undefined : (cells[col] ?? '').trim();
  };
  const rows: LicenseListRow[] = [];
  const firstLineOfUuid = new Map<string, number>();
  const firstLineOfMac = new Map<string, number>();
  for (const record of body) {
    const { line, cells } = record;
    let good = true;
    const bad = (code: LicenseListErrorCode, reason: string): void => {
      good = false;
      errors.push({ line, code, reason });
    };
    const uuid = cell(cells, 'uuid') ?? '';
    const authkey = cell(cells, 'authkey') ?? '';
    const rawMac = cell(cells, 'mac');
    const pid = cell(cells, 'pid');

    if (uuid === '') bad('BAD_UUID', 'uuid is empty.');
    else if (!uuidSchema.safeParse(uuid).success)
      bad('BAD_UUID', `uuid "${uuid}" is ${describeMismatch(uuid, 'uuid')}; a uuid is 16 or 20 characters of 0-9 and a-z.`);
    else {
      const first = firstLineOfUuid.get(uuid);
      if (first !== undefined) bad('DUPLICATE_UUID', `uuid ${uuid} is repeated (first on line ${first}); each license may appear once.`);
      else firstLineOfUuid.set(uuid, line);
    }
    // Never echo the authkey itself: the report may be logged or shown on screen.
    if (authkey === '') bad('BAD_AUTHKEY', 'authkey is empty.');
    else if (!authkeySchema.safeParse(authkey).success)
      bad('BAD_AUTHKEY', `authkey is ${describeMismatch(authkey, 'authkey')}; an authkey is 32 characters of 0-9, a-z and A-Z.`);

    let mac: string | undefined;
    if (rawMac !== undefined && rawMac !== '') {
      // Lists written by hand often carry AA:BB:CC:DD:EE:FF; the module wants 12 hex digits.
      const compact = /^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$/.test(rawMac) ? rawMac.replace(/[:-]/g, '') : rawMac;
      if (!macSchema.safeParse(compact).success) bad('BAD_MAC', `MAC "${rawMac}" is not 12 hexadecimal digits.`);
      else {
        mac = compact.toUpperCase();
        const first = firstLineOfMac.get(mac);
        if (first !== undefined) bad('DUPLICATE_MAC', `MAC ${mac} is repeated (first on line ${first}); two modules cannot share a MAC.`);
        else firstLineOfMac.set(mac, line);
      }
    }
    if (pid !== undefined && pid !== '' && !pidSchema.safeParse(pid).success)
      bad('BAD_PID', `pid "${pid.slice(0, 40)}" is longer than 32 characters.`);

    if (good) {
      const row: LicenseListRow = { line, uuid, authkey };
      if (mac !== undefined) row.mac = mac;
      if (pid !== undefined && pid !== '') row.pid = pid;
      rows.push(row);
    }
  }
  if (known) errors.push(...findKnownUuids(rows, known));
  if (errors.length > 0) return { ok: false, errors: errors.sort((a, b) => a.line - b.line) };
  return { ok: true, rows };
}

/** Says what is wrong with a value in a few words, without repeating secrets. */
function describeMismatch(value: string, kind: 'uuid' | 'authkey'): string {
  const allowed = kind === 'uuid' ? /^[0-9a-z]*$/ : /^[0-9A-Za-z]*$/;
  const lengthOk = kind === 'uuid' ? value.length === 16 || value.length === 20 : value.length === 32;
  if (!allowed.test(value)) {
    const badChar = [...value].find((ch) => !allowed.test(ch)) ?? '';
    const shown = /\s/.test(badChar) ? 'a space' : `"${badChar}"`;
    return lengthOk
      ? `using a character that is not allowed (${shown})`
      : `${value.length} characters long and uses a character that is not allowed (${shown})`;
  }
  return `${value.length} characters long`;
}
