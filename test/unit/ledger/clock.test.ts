import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Ledger } from '../../../main/ledger';
import { Vault } from '../../../main/vault';
import { burnOne } from '../../support/station';
import { fakeLicenses } from '../import/license-fixtures';
import { passphrase, tempDir } from '../vault/helpers';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

it('a clock set a day back: the audit keeps its sequence, flags the entries that went back in time, and the burn report keeps sequence order', async () => {
  const day = 24 * 3600_000;
  let now = Date.UTC(2026, 5, 2, 12);
  const clock = { now: () => now++ };
  const vault = await Vault.create({ path: join(dir, 'v.vault'), wrapper: passphrase(), clock });
  const report = await vault.importRows(fakeLicenses(10), { groupName: 'g' });
  if (!report.ok) throw new Error('refused');
  const ledger = new Ledger(vault);
  const first = await burnOne(ledger, report.groupId);
  now -= day; // someone sets the clock a day back
  const second = await burnOne(ledger, report.groupId);

  const entries = vault.audit.entries();
  expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
  const flagged = entries.filter((e) => typeof e.detail.clockWentBackMs === 'number');
  // Only the first entry written after the jump is earlier than the one before it.
  expect(flagged).toHaveLength(1);
  expect(flagged[0]).toMatchObject({ uuid: second.uuid, action: 'license.reserve' });
  expect(flagged[0]!.detail.clockWentBackMs as number).toBeGreaterThan(day - 1000);
  expect(vault.audit.verify()).toMatchObject({ ok: true, clockWentBack: 1 });
  // The burn report is in the order the burns happened, not by their (wrong) wall time.
  const rows = ledger.exportBurnReportCsv().trim().split('\r\n').slice(1);
  expect(rows.map((r) => r.split(',')[0])).toEqual([first.uuid, second.uuid]);
  vault.close();
});
