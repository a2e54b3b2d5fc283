// The ledger's cost per burn: reserve + sending + written + verified for one
// license, each committed with fsync (synchronous=FULL), audit chain included.
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
  const vault = await Vault.create({ path: join(dir, 'ledger.vault'), wrapper: new PassphraseWrapper('bench passphrase') });
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
  const n = 3000;
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    burn(200 + i);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / n;
  console.log(`# ${n} burns: p50 ${times[n >> 1]?.toFixed(3)} ms, p99 ${times[Math.floor(n * 0.99)]?.toFixed(3)} ms, mean ${mean.toFixed(3)} ms`);
  const audit = ledger.verifyAudit();
  if (!audit.ok) throw new Error(`audit chain broken: ${audit.reason}`);
  vault.close();
  bench('ledger_overhead_per_burn_ms', mean, 'ms');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
