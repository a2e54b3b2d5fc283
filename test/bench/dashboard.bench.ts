// The dashboard over a vault holding 1,000,000 burn records: the station's own
// path (burnStats in SQL through the time index, then the views' sums), for the
// last 24 hours and for the shift. The records span 60 days of a busy station
// (about 16,700 a day, 2 % failed, 0.5 % suspect). Run: npm run bench -- dashboard
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { burnStats } from '../../main/ledger';
import { PassphraseWrapper, Vault } from '../../main/vault';
import { dashboard, reportFrom } from '../../main/app/views';
import { fakeLicenses } from '../unit/import/license-fixtures';

const bench = (name: string, value: number, unit: string): void => console.log(`BENCH ${name} ${Number(value.toPrecision(4))} ${unit}`);
const dir = mkdtempSync(join(tmpdir(), 'dashboard-bench-'));
const RECORDS = 1_000_000;
const DAYS = 60;

try {
  const vault = await Vault.create({
    path: join(dir, 'station.vault'),
    wrapper: new PassphraseWrapper('bench passphrase', { N: 2 ** 12, r: 8, p: 1 }),
  });
  const report = await vault.importRows(fakeLicenses(10_000), { groupName: 'bench' });
  if (!report.ok) throw new Error('bench import refused');
  const uuids = vault.db
    .prepare<[], { uuid: string }>('SELECT uuid FROM licenses')
    .all()
    .map((r) => r.uuid);
  const now = Date.UTC(2026, 10, 25, 12, 30);
  const first = now - DAYS * 24 * 3600_000;
  const step = (now - first) / RECORDS;
  const insert = vault.db.prepare(
    'INSERT INTO burn_records (uuid, group_id, slot, attempt, module_mac, result, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const t0 = performance.now();
  // the same index (vault migration 6), built once after the rows rather than row by row
  const index = vault.db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'burn_records_by_time'").get()!.sql;
  vault.db.exec('DROP INDEX burn_records_by_time');
  vault.db.transaction(() => {
    for (let i = 0; i < RECORDS; i++) {
      const kind = i % 200 === 0 ? 'suspect' : i % 50 === 0 ? 'failed' : 'verified';
      const reason =
        kind === 'verified' ? null : kind === 'suspect' ? 'DISCONNECTED at write: the port closed' : 'TIMEOUT at connect: no answer';
      const uuid = kind === 'suspect' ? uuids[i % uuids.length]! : `b${String(i).padStart(15, '0')}`;
      insert.run(uuid, report.groupId, `slot-${(i % 8) + 1}`, `a${i}`, null, kind, reason, Math.floor(first + i * step));
    }
  })();
  vault.db.exec(index);
  console.log(`# ${RECORDS} burn records over ${DAYS} days inserted in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const labels = { slot: (id: string) => ({ label: id, number: Number(id.slice(5)) }), group: () => 'bench' };
  const run = (range: 'shift' | 'day'): { ms: number; verified: number } => {
    const t = performance.now();
    const d = dashboard(range, now, burnStats(vault.db, { from: reportFrom(range, now), to: now }), labels);
    return { ms: performance.now() - t, verified: d.totals.verified };
  };
  for (let i = 0; i < 3; i++) run('day'); // warm-up
  const times: number[] = [];
  let verified = 0;
  for (let i = 0; i < 20; i++) {
    const r = run('day');
    times.push(r.ms);
    verified = r.verified;
  }
  times.sort((a, b) => a - b);
  const shift: number[] = [];
  for (let i = 0; i < 20; i++) shift.push(run('shift').ms);
  shift.sort((a, b) => a - b);
  console.log(`# last 24 h: ${verified} verified; p50 ${times[10]!.toFixed(2)} ms, max ${times.at(-1)!.toFixed(2)} ms`);
  vault.close();
  bench('dashboard_1m_records_ms', times[10]!, 'ms');
  bench('dashboard_1m_records_shift_ms', shift[10]!, 'ms');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
