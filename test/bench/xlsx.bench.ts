// The .xlsx reader of license lists (node/xlsx.ts) on a 100k-row License List:
// SheetJS since it replaced exceljs (figures of both in docs/vault-ledger.md).
// Run: npm run bench -- xlsx
import { readXlsxSheet } from '../../node/xlsx';
import { fakeLicenses, licensesXlsx } from '../unit/import/license-fixtures';

const bench = (name: string, value: number, unit: string): void => console.log(`BENCH ${name} ${Number(value.toPrecision(4))} ${unit}`);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const ROWS = 100_000;
const licenses = fakeLicenses(ROWS, { withMac: true });
const bytes = await licensesXlsx([['uuid', 'authkey', 'mac'], ...licenses.map((l) => [l.uuid, l.authkey, l.mac ?? null])]);
const wall: number[] = [];
const cpu: number[] = [];
for (let round = 0; round < 3; round++) {
  const c = process.cpuUsage();
  const t = performance.now();
  const rows = await readXlsxSheet(bytes);
  wall.push((performance.now() - t) / 1000);
  const used = process.cpuUsage(c);
  cpu.push((used.user + used.system) / 1e6);
  if (rows.length !== ROWS + 1 || rows[ROWS]?.cells[0] !== licenses[ROWS - 1]?.uuid)
    throw new Error(`the reader returned ${rows.length} rows, not ${ROWS + 1}`);
}
bench('xlsx_read_100k_s', median(wall), 's');
// CPU time of the same reads: steadier than wall time when other processes share the cores.
bench('xlsx_read_100k_cpu_s', median(cpu), 's');
