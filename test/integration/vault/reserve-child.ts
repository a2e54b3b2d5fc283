// A station process on a vault file: reserves `count` licenses for `slot`,
// journals them as sending (as a live burn would), prints their uuids as JSON
// and keeps the vault open until it is killed.
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
process.stdout.write(`${JSON.stringify(uuids)}\n`);
setInterval(() => undefined, 60_000);
