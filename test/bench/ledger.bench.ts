// The ledger's cost per burn: reserve + sending + written + verified for one
// license, each committed with fsync (synchronous=FULL), audit chain included, and the
// anchor (main/vault/anchor.ts) written with an fdatasync after each durable commit.
// Run: npm run bench -- ledger
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../../main/ledger';
import { PassphraseWrapper, Vault } from '../../main/vault';
import { fakeLicenses } from '../unit/import/license-fixtures';

const bench = (name: string, value: number, unit: string): void => console.log(`BENCH ${name} ${Number(value.toPrecision(4))} ${unit}`);
const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-'));

try {
  const vault = await Vault.create({
    path: join(dir, 'ledger.vault'),
    wrapper: new PassphraseWrapper('bench passphrase'),
    anchorPath: join(dir, 'state', 'ledger.anchor'),
  });
  const report = await vault.importRows(fakeLicenses(50_000, { withMac: true }), { groupName: 'bench' });
  if (!report.ok) throw new Error('bench import refused');
  const ledger = new Ledger(vault);
  const burn = (i: number): void => {
    const r = ledger.reserve(report.groupId, { slot: `slot-${i % 8}` });
    ledger.markSending(r.uuid, r.attempt);
    ledger.markWritten(r.uuid, r.attempt);
    ledger.markVerified(r.uuid, r.attempt, { moduleMac: r.mac ?? null, moduleSerial: `SN-${i}` });
  };
  for (let i = 0; i < 200; i++) burn(i); // warm-up
  const timeBurns = (n: number, from: number): number[] => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      burn(from + i);
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b);
  };
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const n = 3000;
  const times = timeBurns(n, 200);
  console.log(
    `# ${n} burns: p50 ${times[n >> 1]?.toFixed(3)} ms, p99 ${times[Math.floor(n * 0.99)]?.toFixed(3)} ms, mean ${mean(times).toFixed(3)} ms`,
  );

  // What the disk gives: one bare commit with synchronous=FULL on the same file system.
  vault.db.exec('CREATE TABLE IF NOT EXISTS bench_fsync (id INTEGER PRIMARY KEY, v INTEGER)');
  const bare = vault.db.prepare('INSERT INTO bench_fsync (v) VALUES (?)');
  const commits: number[] = [];
  for (let i = 0; i < 500; i++) {
    const t = performance.now();
    bare.run(i);
    commits.push(performance.now() - t);
  }
  // The ledger's own work without the disk: the same four transitions with fsync off.
  vault.db.pragma('synchronous = OFF');
  const cpu = timeBurns(1000, 200 + n);
  vault.db.pragma('synchronous = FULL');

  const audit = ledger.verifyAudit();
  if (!audit.ok) throw new Error(`audit chain broken: ${audit.reason}`);
  vault.close();
  bench('ledger_overhead_per_burn_ms', mean(times), 'ms');
  bench('ledger_overhead_per_burn_p50_ms', times[n >> 1] as number, 'ms');
  bench('sqlite_fsync_commit_ms', mean(commits), 'ms');
  bench('ledger_overhead_per_burn_no_fsync_ms', mean(cpu), 'ms');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
