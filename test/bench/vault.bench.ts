// Vault figures: importing 100k licenses against a plain better-sqlite3 insert
// of the same rows, and a cold start on a vault of 1,000,000 licenses.
// Run: npm run bench -- vault
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLicenseList } from '../../common/import';
import { Ledger } from '../../main/ledger';
import { PassphraseWrapper, Vault } from '../../main/vault';
import { fakeLicenses, licensesCsv, type FakeLicense } from '../unit/import/license-fixtures';

const bench = (name: string, value: number, unit: string): void => console.log(`BENCH ${name} ${Number(value.toPrecision(4))} ${unit}`);
const dir = mkdtempSync(join(tmpdir(), 'vault-bench-'));
const PASS = 'bench passphrase';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** The same rows, one transaction, same durability pragmas, no encryption, no indexes. */
function rawInsert(rows: FakeLicense[], path: string): number {
  const raw = new Database(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.exec('CREATE TABLE licenses (uuid TEXT, authkey TEXT, mac TEXT)');
  const insert = raw.prepare('INSERT INTO licenses (uuid, authkey, mac) VALUES (?, ?, ?)');
  const t = performance.now();
  raw.transaction(() => {
    for (const r of rows) insert.run(r.uuid, r.authkey, r.mac ?? null);
  })();
  const s = (performance.now() - t) / 1000;
  raw.close();
  return s;
}

async function vaultImport(rows: FakeLicense[], path: string, round: number): Promise<number> {
  const vault = await Vault.create({ path, wrapper: new PassphraseWrapper(PASS) });
  // Phase marks from the progress events: 'write' every 10k rows inserted, 'done' after the commit.
  const marks: { phase: string; done: number; at: number }[] = [];
  const t = performance.now();
  const report = await vault.importRows(rows, { groupName: 'bench', onProgress: (p) => marks.push({ ...p, at: performance.now() }) });
  const s = (performance.now() - t) / 1000;
  if (!report.ok) throw new Error('bench import refused');
  const at = (phase: string, done: number): number => (marks.find((m) => m.phase === phase && m.done === done)?.at ?? Number.NaN) - t;
  const first = at('write', 10_000);
  const inserted = at('write', 100_000);
  console.log(
    `# round ${round} vault import phases: validation, worker start and the first 10k rows ${first.toFixed(0)} ms; the other 90k rows ${(inserted - first).toFixed(0)} ms; audit entry, commit and fsync ${(s * 1000 - inserted).toFixed(0)} ms`,
  );
  if (round === 1) {
    // What sealing alone costs on one thread (the import shares it between a worker and the inserting thread).
    const t1 = performance.now();
    for (const r of rows) vault.sealAuthkey(r.uuid, r.authkey);
    console.log(`# sealing 100k authkeys on one thread: ${(performance.now() - t1).toFixed(0)} ms`);
  }
  vault.close();
  return s;
}

async function importVsRaw(): Promise<void> {
  // Three rounds, each with fresh files and its own rows; the figures are medians (the first round runs cold).
  const rawS: number[] = [];
  const vaultS: number[] = [];
  for (let round = 1; round <= 3; round++) {
    const rows = fakeLicenses(100_000, { prefix: `imp${round}`, withMac: true });
    rawS.push(rawInsert(rows, join(dir, `raw${round}.db`)));
    vaultS.push(await vaultImport(rows, join(dir, `import${round}.vault`), round));
    console.log(
      `# round ${round}: raw ${rawS.at(-1)?.toFixed(3)} s, vault ${vaultS.at(-1)?.toFixed(3)} s, ratio ${((vaultS.at(-1) ?? 0) / (rawS.at(-1) ?? 1)).toFixed(2)}`,
    );
  }

  const csv = licensesCsv(fakeLicenses(100_000, { prefix: 'imp9', withMac: true }), { withMac: true });
  const t = performance.now();
  const parse = await parseLicenseList(csv, 'bench.csv');
  const parseS = (performance.now() - t) / 1000;
  if (!parse.ok) throw new Error('bench parse refused');

  bench('sqlite_raw_insert_100k_s', median(rawS), 's');
  bench('vault_import_100k_s', median(vaultS), 's');
  bench('vault_import_vs_raw', median(vaultS) / median(rawS), 'ratio');
  bench('license_list_parse_100k_s', parseS, 's');
}

async function coldStart(): Promise<void> {
  const path = join(dir, 'million.vault');
  let t = performance.now();
  const anchorPath = join(dir, 'state', 'million.anchor');
  const vault = await Vault.create({ path, wrapper: new PassphraseWrapper(PASS), anchorPath });
  for (let g = 0; g < 10; g++) {
    const report = await vault.importRows(fakeLicenses(100_000, { prefix: `m${g.toString().padStart(3, '0')}` }), {
      groupName: `group ${g}`,
    });
    if (!report.ok) throw new Error('bench import refused');
  }
  // A station that has been working: some burns, a few in flight when it stopped.
  const ledger = new Ledger(vault);
  const group = vault.listGroups()[9]?.id as string;
  for (let i = 0; i < 200; i++) {
    const r = ledger.reserve(group, { slot: `s${i % 8}` });
    ledger.markSending(r.uuid, r.attempt);
    if (i % 50 !== 0) ledger.markWritten(r.uuid, r.attempt);
    if (i % 50 > 1) ledger.markVerified(r.uuid, r.attempt);
  }
  ledger.reserve(group, { slot: 's0' });
  vault.close();
  console.log(`# built the 1,000,000-license vault in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  t = performance.now();
  const opened = await Vault.open({ path, wrapper: new PassphraseWrapper(PASS), anchorPath });
  const unlockedMs = performance.now() - t;
  const cold = new Ledger(opened);
  const recovered = cold.recover();
  const first = cold.reserve(group, { slot: 's1' });
  const readyMs = performance.now() - t;
  if (first.authkey.length !== 32) throw new Error('bench reserve returned no authkey');
  console.log(
    `# open+unlock (scrypt N=2^15) ${unlockedMs.toFixed(0)} ms; recovery released ${recovered.released.length}, suspected ${recovered.suspected.length}`,
  );
  // The supervisor's audit check on the same vault: the chain, then every license row against it.
  t = performance.now();
  const audit = cold.verifyAudit();
  const auditS = (performance.now() - t) / 1000;
  if (!audit.ok || audit.licenses !== 1_000_000) throw new Error(`bench audit check failed: ${audit.ok ? audit.licenses : audit.reason}`);
  console.log(`# audit check: ${audit.entries} chain entries, ${audit.licenses} licenses agree with it`);
  // The integrity check that open runs (SQLite's quick_check over every page), timed alone.
  t = performance.now();
  if (opened.checkIntegrity() !== null) throw new Error('bench vault fails its integrity check');
  const integrityMs = performance.now() - t;
  opened.close();
  bench('station_cold_start_1m_ms', readyMs, 'ms');
  bench('vault_integrity_check_1m_ms', integrityMs, 'ms');
  bench('audit_verify_1m_s', auditS, 's');
}

try {
  await importVsRaw();
  await coldStart();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
