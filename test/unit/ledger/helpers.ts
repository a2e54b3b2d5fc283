import { Ledger } from '../../../main/ledger';
import type { Vault } from '../../../main/vault';
import { fakeLicenses, type FakeLicense } from '../import/license-fixtures';
import { newVault, tempDir } from '../vault/helpers';

export interface LedgerFixture {
  dir: string;
  vault: Vault;
  ledger: Ledger;
  groupId: string;
  licenses: FakeLicense[];
  close: () => void;
}

/** A vault in a temp dir with one group of `count` licenses, and its ledger. */
export async function ledgerFixture(count = 20): Promise<LedgerFixture> {
  const { dir, cleanup } = tempDir();
  const vault = await newVault(dir);
  const licenses = fakeLicenses(count, { withMac: true });
  const report = await vault.importRows(licenses, { groupName: 'Line 1 plugs', pid: 'p1' });
  if (!report.ok) throw new Error('fixture import refused');
  return {
    dir,
    vault,
    ledger: new Ledger(vault),
    groupId: report.groupId,
    licenses,
    close: () => {
      vault.close();
      cleanup();
    },
  };
}
