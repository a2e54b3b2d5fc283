/** A station for sync tests: a real vault on disk, the ledger over it, and the sync engine. */
import { join } from 'node:path';
import { Ledger, type Reservation } from '../../main/ledger';
import { PassphraseWrapper, Vault } from '../../main/vault';
import { SyncEngine, TOKEN_SECRET, type SyncEngineOptions } from '../../main/sync';
import { registerSecret } from './log-sink';

/** Cheap scrypt for tests only. */
export const testWrapper = (): PassphraseWrapper => new PassphraseWrapper('test station passphrase', { N: 1024, r: 8, p: 1 });

export interface TestStation {
  vault: Vault;
  ledger: Ledger;
  sync: SyncEngine;
  close(): Promise<void>;
}

/** A new vault `<dir>/<name>.vault`; with `reopen`, the one already there. With `anchorPath`, the vault keeps its anchor there. */
export async function openTestStation(
  dir: string,
  name: string,
  options: Partial<SyncEngineOptions> = {},
  at: { reopen?: boolean; anchorPath?: string } = {},
): Promise<TestStation> {
  const vaultOptions = {
    path: join(dir, `${name}.vault`),
    wrapper: testWrapper(),
    ...(at.anchorPath ? { anchorPath: at.anchorPath } : {}),
  };
  const vault = at.reopen ? await Vault.open(vaultOptions) : await Vault.create(vaultOptions);
  const ledger = new Ledger(vault);
  const sync = new SyncEngine({
    vault,
    ledger,
    intervalMs: 60_000,
    backoff: { baseMs: 50, maxMs: 400 },
    requestTimeoutMs: 5000,
    ...options,
  });
  // The station's hub token is a secret the hub's log must never hold (test/support/log-sink.ts).
  registerSecret(vault.getSecret(TOKEN_SECRET));
  sync.subscribe((event, payload) => {
    if (event === 'onSyncStatus' && 'enrolled' in payload && payload.enrolled) registerSecret(vault.getSecret(TOKEN_SECRET));
  });
  return {
    vault,
    ledger,
    sync,
    async close() {
      await sync.stop();
      vault.close();
    },
  };
}

/**
 * One burn through the ledger with a module that always succeeds and takes no
 * time: reserve, journal `sending`, then a verified outcome.
 */
export async function burnOne(ledger: Ledger, groupId: string, slot = 'slot-1'): Promise<Reservation> {
  const r = ledger.reserve(groupId, { slot });
  await ledger.beforeWrite(r)({ uuid: null, authkey: null, mac: null });
  const mac = Array.from({ length: 6 }, () =>
    Math.floor(Math.random() * 256)
      .toString(16)
      .padStart(2, '0'),
  )
    .join(':')
    .toUpperCase();
  ledger.finishBurn(r, { ok: true, exposure: 'verified', module: { uuid: r.uuid, authkey: r.authkey, mac }, durationMs: 0 });
  return r;
}

/** A burn whose outcome is unknown (unplug mid-write), then voided by a supervisor: reported as spoiled. */
export async function spoilOne(ledger: Ledger, groupId: string, slot = 'slot-1'): Promise<Reservation> {
  const r = ledger.reserve(groupId, { slot });
  await ledger.beforeWrite(r)({ uuid: null, authkey: null, mac: null });
  ledger.finishBurn(r, {
    ok: false,
    exposure: 'sent-outcome-unknown',
    step: 'write',
    error: { code: 'DISCONNECTED', message: 'unplugged' },
    durationMs: 0,
  });
  ledger.voidSuspect(r.uuid, 'module scrapped');
  return r;
}
