// A second station process on the same vault file: reserves `count` licenses
// for `slot` as fast as it can and prints their uuids as JSON.
import { Ledger } from '../../../main/ledger';
import { Vault } from '../../../main/vault';
import { passphrase } from '../../unit/vault/helpers';

const [path, groupId, slot, count] = process.argv.slice(2) as [string, string, string, string];
const vault = await Vault.open({ path, wrapper: passphrase() });
const ledger = new Ledger(vault);
const uuids: string[] = [];
for (let i = 0; i < Number(count); i++) {
  const r = ledger.reserve(groupId, { slot });
  ledger.markSending(r.uuid, r.attempt);
  uuids.push(r.uuid);
}
vault.close();
process.stdout.write(JSON.stringify(uuids));
