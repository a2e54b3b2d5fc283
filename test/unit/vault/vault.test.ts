import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../../common/errors';
import { SafeStorageWrapper, Vault, latestVersion, type SafeStorageLike } from '../../../main/vault';
import { fakeLicenses } from '../import/license-fixtures';
import { fakeClock, newVault, passphrase, tempDir } from './helpers';

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (isAppError(e)) return e.code;
    throw e;
  }
  throw new Error('expected an AppError');
}

/** Electron's safeStorage, faked: "encrypts" by XOR so a wrong machine key gives garbage or throws. */
function fakeSafeStorage(machineKey = 0x5a, available = true): SafeStorageLike & { calls: number } {
  const s = {
    calls: 0,
    isEncryptionAvailable: () => available,
    encryptString: (plain: string) => {
      s.calls++;
      return Buffer.concat([Buffer.from('v10'), Buffer.from(Buffer.from(plain, 'utf8').map((b) => b ^ machineKey))]);
    },
    decryptString: (enc: Buffer) => {
      if (enc.subarray(0, 3).toString() !== 'v10')
        throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(enc.subarray(3).map((b) => b ^ machineKey)).toString('utf8');
    },
  };
  return s;
}

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

describe('vault: create, unlock, wrappers', () => {
  it('creates a vault that the same passphrase unlocks, and a wrong one refuses with WRONG_PASSPHRASE', async () => {
    const path = join(dir, 'v.db');
    const vault = await Vault.create({ path, wrapper: passphrase('the right words') });
    const sealed = vault.sealAuthkey('abcdefghij0123456789', 'AbCdEfGhIjKlMnOpQrStUvWxYz012345');
    vault.close();
    expect(Vault.inspect(path)).toEqual({ exists: true, initialized: true, wrapperKind: 'passphrase', schemaVersion: latestVersion() });

    expect(await codeOf(Vault.open({ path, wrapper: passphrase('the wrong words') }))).toBe('WRONG_PASSPHRASE');
    const again = await Vault.open({ path, wrapper: passphrase('the right words') });
    expect(again.openAuthkey('abcdefghij0123456789', sealed)).toBe('AbCdEfGhIjKlMnOpQrStUvWxYz012345');
    again.close();
  });

  it('refuses to create over an existing vault, to open a missing one, and a passphrase that is too short', async () => {
    const vault = await newVault(dir, 'v.db');
    vault.close();
    expect(await codeOf(Vault.create({ path: join(dir, 'v.db'), wrapper: passphrase() }))).toBe('VAULT_EXISTS');
    expect(await codeOf(Vault.open({ path: join(dir, 'none.db'), wrapper: passphrase() }))).toBe('VAULT_NOT_FOUND');
    expect(await codeOf(Vault.create({ path: join(dir, 'short.db'), wrapper: passphrase('short') }))).toBe('PASSPHRASE_TOO_SHORT');
    expect(Vault.inspect(join(dir, 'none.db')).exists).toBe(false);
  });

  it('changes the passphrase by re-wrapping the key, without re-encrypting any license', async () => {
    const path = join(dir, 'v.db');
    const vault = await Vault.create({ path, wrapper: passphrase('first passphrase') });
    const licenses = fakeLicenses(20);
    expect((await vault.importRows(licenses, { groupName: 'g' })).ok).toBe(true);
    const before = vault.db.prepare('SELECT uuid, sealed_authkey FROM licenses ORDER BY id').all();

    expect(await codeOf(vault.rewrap(passphrase('second passphrase'), passphrase('not the first one')))).toBe('WRONG_PASSPHRASE');
    await vault.rewrap(passphrase('second passphrase'), passphrase('first passphrase'));
    expect(vault.db.prepare('SELECT uuid, sealed_authkey FROM licenses ORDER BY id').all()).toEqual(before);
    vault.close();

    expect(await codeOf(Vault.open({ path, wrapper: passphrase('first passphrase') }))).toBe('WRONG_PASSPHRASE');
    const reopened = await Vault.open({ path, wrapper: passphrase('second passphrase') });
    const row = reopened.db
      .prepare<[], { uuid: string; sealed_authkey: Buffer }>('SELECT uuid, sealed_authkey FROM licenses ORDER BY id LIMIT 1')
      .get();
    expect(row && reopened.openAuthkey(row.uuid, row.sealed_authkey)).toBe(licenses[0]?.authkey);
    expect(reopened.audit.entries().map((e) => e.action)).toEqual([
      'vault.created',
      'group.imported',
      'vault.rewrapped',
      'vault.unlock-failed',
    ]);
    reopened.close();
  });

  it('wraps the key with safeStorage, tells a passphrase unlock to use the right wrapper, and refuses when the OS has none', async () => {
    const path = join(dir, 'v.db');
    const storage = fakeSafeStorage();
    const vault = await Vault.create({ path, wrapper: new SafeStorageWrapper(storage) });
    vault.putSecret('hub.token', 'tok-123');
    vault.close();
    expect(storage.calls).toBe(1);

    expect(await codeOf(Vault.open({ path, wrapper: passphrase() }))).toBe('WRAPPER_MISMATCH');
    expect(await codeOf(Vault.open({ path, wrapper: new SafeStorageWrapper(fakeSafeStorage(0x5a, false)) }))).toBe(
      'SAFE_STORAGE_UNAVAILABLE',
    );
    // Another machine's key storage yields a different key: caught by the key check, never used.
    expect(await codeOf(Vault.open({ path, wrapper: new SafeStorageWrapper(fakeSafeStorage(0x33)) }))).toMatch(
      /^(KEY_UNWRAP_FAILED|VAULT_TAMPERED)$/,
    );
    const reopened = await Vault.open({ path, wrapper: new SafeStorageWrapper(storage) });
    expect(reopened.getSecret('hub.token')).toBe('tok-123');

    // Moving from safeStorage to a passphrase (a machine without a keychain) is a rewrap too.
    await reopened.rewrap(passphrase('a passphrase now'), new SafeStorageWrapper(storage));
    reopened.close();
    (await Vault.open({ path, wrapper: passphrase('a passphrase now') })).close();
  });

  it('refuses a vault whose key record was altered', async () => {
    const path = join(dir, 'v.db');
    (await Vault.create({ path, wrapper: passphrase() })).close();
    const other = await Vault.create({ path: join(dir, 'other.db'), wrapper: passphrase() });
    const foreignCheck = other.db.prepare<[], { key_check: Buffer }>('SELECT key_check FROM vault_key').get()?.key_check;
    other.close();
    const vault = await Vault.open({ path, wrapper: passphrase() });
    vault.db.prepare('UPDATE vault_key SET key_check = ?').run(foreignCheck);
    vault.close();
    expect(await codeOf(Vault.open({ path, wrapper: passphrase() }))).toBe('VAULT_TAMPERED');
  });
});

describe('vault: sealing', () => {
  it('refuses a tampered or moved ciphertext with VAULT_TAMPERED, never garbage', async () => {
    const vault = await newVault(dir);
    const [a, b] = fakeLicenses(2);
    if (!a || !b) throw new Error('fixture');
    const sealedA = vault.sealAuthkey(a.uuid, a.authkey);
    expect(vault.openAuthkey(a.uuid, sealedA)).toBe(a.authkey);
    for (let i = 0; i < sealedA.length; i++) {
      const bad = Buffer.from(sealedA);
      bad[i] = (bad[i] as number) ^ 0x01;
      expect(await codeOf(() => vault.openAuthkey(a.uuid, bad))).toBe('VAULT_TAMPERED');
    }
    // Bound to its uuid: a's sealed authkey copied onto b does not open.
    expect(await codeOf(() => vault.openAuthkey(b.uuid, sealedA))).toBe('VAULT_TAMPERED');
    expect(await codeOf(() => vault.openAuthkey(a.uuid, sealedA.subarray(0, 10)))).toBe('VAULT_TAMPERED');
    // Two seals of the same authkey differ (fresh nonce each time).
    expect(vault.sealAuthkey(a.uuid, a.authkey).equals(sealedA)).toBe(false);
    vault.close();
  });

  it('seals secrets by name in the key-value table and keeps plain values apart', async () => {
    const vault = await newVault(dir);
    vault.putSecret('hub.token', 'secret-token-value');
    vault.putValue('sync.cursor', '42');
    expect(vault.getSecret('hub.token')).toBe('secret-token-value');
    expect(vault.getValue('sync.cursor')).toBe('42');
    expect(vault.getSecret('missing')).toBeNull();
    const row = vault.db
      .prepare<[], { value: string | null; sealed: Buffer }>("SELECT value, sealed FROM kv WHERE key = 'hub.token'")
      .get();
    expect(row?.value).toBeNull();
    expect(row?.sealed.includes(Buffer.from('secret-token-value'))).toBe(false);
    expect(await codeOf(() => vault.openSecret('other.name', row?.sealed as Buffer))).toBe('VAULT_TAMPERED');
    expect(await codeOf(() => vault.getValue('hub.token'))).toBe('NOT_A_PLAIN_VALUE');
    expect(vault.deleteValue('hub.token')).toBe(true);
    expect(vault.getSecret('hub.token')).toBeNull();
    vault.close();
    expect(await codeOf(() => vault.sealSecret('x', 'y'))).toBe('VAULT_LOCKED');
  });

  it('uses a clock it is given for audit times', async () => {
    const vault = await Vault.create({ path: join(dir, 'v.db'), wrapper: passphrase(), clock: fakeClock(1000) });
    // 1000 went to the key record's created_at; the stepping clock gives the audit entry 1001.
    expect(vault.audit.entries()[0]?.at).toBe(1001);
    vault.close();
  });
});
