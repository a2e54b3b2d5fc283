// Secrets at rest: authkeys and TOTP secrets sealed with AES-256-GCM under the hub's master key, enrollment codes
// kept as keyed hashes; a dump of the database holds none in clear, what an older store kept in clear is sealed at
// start, and a rotation re-seals under a new key.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { PullResponse } from '../../../common/hub-api';
import { openedCounts, startAuthkeyOpener } from '../../../hub/services/authkey-opener';
import { keyring, masterKey, parseMasterKey, resealAuthkeys, sealAtRest } from '../../../hub/services/authkeys';
import { createAccount, newTotpSecret, totpNow } from '../../../hub/services/accounts';
import { registerSecret } from '../../support/log-sink';
import {
  bootHub,
  enrollStation,
  groupAtS1,
  makeCredential,
  makeLicenses,
  seedWorld,
  targets,
  testKeyring,
  testDb,
  type TestHub,
} from './harness';

const tables = [
  'accounts',
  'products',
  'factories',
  'lines',
  'stations',
  'enrollment_codes',
  'credentials',
  'licenses',
  'update_requests',
  'credential_events',
  'push_items',
  'download_codes',
  'jobs',
  'third_party_resources',
  'notices',
  'transfer_claims',
];

/** The SQLite file and its write-ahead log, as text. */
const fileBytes = (file: string): string =>
  Buffer.concat([readFileSync(file), ...(existsSync(`${file}-wal`) ? [readFileSync(`${file}-wal`)] : [])]).toString('latin1');

/** Every row of every table, as text: what a dump of the database would hold. */
async function dump(h: TestHub): Promise<string> {
  const out: unknown[] = [];
  for (const t of tables) out.push((await sql.raw(`select * from ${t}`).execute(h.store.db)).rows);
  return JSON.stringify(out);
}

describe.each(targets())('authkeys at rest on %s', (target) => {
  let h: TestHub | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('seals every authkey: the dump holds none in clear, pull and download hand them out as imported', async () => {
    const tdb = await testDb(target);
    h = await bootHub(target, { tdb });
    const w = await seedWorld(h);
    const { token, ...c } = await groupAtS1(h, w, { purchased: 6 });
    const text = await dump(h);
    for (const l of c.purchased) expect(text).not.toContain(l.authkey);
    const rows = await h.store.db.selectFrom('licenses').select('authkey').execute();
    expect(rows.every((r) => r.authkey.startsWith(`e1.${testKeyring.current.id}.`))).toBe(true);
    if (target === 'sqlite') {
      const bytes = fileBytes(tdb.db);
      for (const l of c.purchased) expect(bytes).not.toContain(l.authkey);
    }
    const page = await h.call<PullResponse>('POST', '/v1/station/pull', { cursor: null, limit: 3 }, token);
    const byUuid = new Map(c.purchased.map((l) => [l.uuid, l.authkey]));
    expect(page.body.licenses).toHaveLength(3);
    for (const l of page.body.licenses) expect(l.authkey).toBe(byUuid.get(l.uuid));
    const code = await h.admin('POST', `/v1/admin/credentials/${c.id}/download-codes`, { channel: 'email' });
    const d = await h.admin('POST', `/v1/admin/credentials/${c.id}/download`, { codeId: code.body.codeId, code: h.sent.at(-1)!.code });
    expect(d.body.licenses).toHaveLength(3);
    for (const l of d.body.licenses) expect(l.authkey).toBe(byUuid.get(l.uuid));
  });

  it('a sealed authkey copied onto another license does not open', async () => {
    h = await bootHub(target);
    const w = await seedWorld(h);
    const { token, ...c } = await groupAtS1(h, w, { purchased: 2 });
    const [a, b] = c.purchased;
    const sealed = await h.store.db.selectFrom('licenses').select('authkey').where('uuid', '=', a!.uuid).executeTakeFirstOrThrow();
    await h.store.db.updateTable('licenses').set({ authkey: sealed.authkey }).where('uuid', '=', b!.uuid).execute();
    const r = await h.call('POST', '/v1/station/pull', { cursor: null }, token);
    expect(r.body.error.code).toBe('AUTHKEY_TAMPERED');
  });

  it('a big pull opens its authkeys on the worker; one that does not open refuses the page and leases nothing', async () => {
    h = await bootHub(target);
    const w = await seedWorld(h);
    const { token, ...c } = await groupAtS1(h, w, { purchased: 1500 });
    expect(await startAuthkeyOpener()).toBe(true);
    const byUuid = new Map(c.purchased.map((l) => [l.uuid, l.authkey]));
    const before = openedCounts.worker;
    const first = await h.call<PullResponse>('POST', '/v1/station/pull', { cursor: null, limit: 1000 }, token);
    expect(first.body.licenses).toHaveLength(1000);
    for (const l of first.body.licenses) expect(l.authkey).toBe(byUuid.get(l.uuid));
    expect(openedCounts.worker - before).toBe(1000);
    // the next page's 300th license carries another's sealed authkey
    const next = [...c.purchased.map((l) => l.uuid)].sort().filter((u) => !first.body.licenses.some((l) => l.uuid === u));
    const donor = await h.store.db.selectFrom('licenses').select('authkey').where('uuid', '=', next[0]!).executeTakeFirstOrThrow();
    await h.store.db.updateTable('licenses').set({ authkey: donor.authkey }).where('uuid', '=', next[299]!).execute();
    const r = await h.call('POST', '/v1/station/pull', { cursor: first.body.cursor, limit: 1000 }, token);
    expect(r.body.error.code).toBe('AUTHKEY_TAMPERED');
    const leased = await h.store.db
      .selectFrom('licenses')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('station_id', '=', w.s1)
      .executeTakeFirstOrThrow();
    expect(Number(leased.n)).toBe(1000);
  });

  it('seals the plain authkeys of an older store at start, and rotates them to a new master key', async () => {
    const tdb = await testDb(target);
    h = await bootHub(target, { tdb, keepDb: true });
    const w = await seedWorld(h);
    const c = await makeCredential(h, { purchased: 0 });
    const plain = makeLicenses(5);
    await h.store.db
      .insertInto('licenses')
      .values(
        plain.map((l) => ({
          uuid: l.uuid,
          credential_id: c.id,
          authkey: l.authkey,
          mac: null,
          kind: 'purchased',
          status: 'unused',
          station_id: null,
          lease_seq: null,
          leased_at: null,
          burned_at: null,
          burned_pid: null,
          burned_mac: null,
          spoiled_reason: null,
          imported_at: '2026-01-01T00:00:00.000Z',
        })),
      )
      .execute();
    await h.close();
    h = await bootHub(target, { tdb, keepDb: true });
    let text = await dump(h);
    for (const l of plain) expect(text).not.toContain(l.authkey);

    const next = keyring(masterKey(Buffer.alloc(32, 9)), [testKeyring.current]);
    expect(await resealAuthkeys(h.store, next, 'all')).toBe(5);
    expect(await resealAuthkeys(h.store, next, 'all')).toBe(0); // nothing left under the old key
    await h.close();
    // A hub given only the old key cannot open them; one given the new key can.
    h = await bootHub(target, { tdb, keepDb: true, keyring: keyring(masterKey(Buffer.alloc(32, 9))) });
    await h.admin('POST', `/v1/admin/credentials/${c.id}/assign`, { factoryId: w.factoryId, stationId: w.s1 });
    const token = await enrollStation(h, w.s1);
    const page = await h.call<PullResponse>('POST', '/v1/station/pull', { cursor: null }, token);
    expect(page.body.licenses.map((l) => l.authkey).sort()).toEqual(plain.map((l) => l.authkey).sort());
    text = await dump(h);
    for (const l of plain) expect(text).not.toContain(l.authkey);
    await h.close();
    h = await bootHub(target, { tdb });
    const old = await h.call('POST', '/v1/station/pull', { cursor: null }, token);
    expect(old.body.error.code).toBe('MASTER_KEY_UNKNOWN');
  });

  it('seals TOTP secrets: no dump holds one, a plain one of an older store is sealed at start, and a rotation re-seals them; sign-in works throughout', async () => {
    const tdb = await testDb(target);
    h = await bootHub(target, { tdb, keepDb: true });
    const password = 'a long enough password 1';
    registerSecret(password);
    const secrets = { paula: newTotpSecret(), quinn: newTotpSecret() };
    Object.values(secrets).forEach(registerSecret);
    await createAccount(h.hub.deps, { name: 'paula', role: 'platform' }, { trusted: { password, totpSecret: secrets.paula } });
    const olivia = (await createAccount(h.hub.deps, { name: 'olivia', role: 'owner' }, { trusted: { password } })).account;
    const login = async (name: string, totp?: string) =>
      await h!.hub.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { name, password, ...(totp ? { totp } : {}) } });
    // olivia sets up her second factor through the API: the secret answered once is kept sealed
    const signed = await login('olivia');
    const cookie = /hub_session=[^;]*/.exec(String(signed.headers['set-cookie']))![0];
    registerSecret(cookie);
    const setup = await h.call('POST', '/v1/account/totp', undefined, null, { cookie, 'x-csrf-token': JSON.parse(signed.body).csrfToken });
    const oliviaSecret = setup.body.secret as string;
    expect(
      (
        await h.call('POST', '/v1/account/totp/confirm', { code: totpNow(oliviaSecret, h.clock.now()) }, null, {
          cookie,
          'x-csrf-token': JSON.parse(signed.body).csrfToken,
        })
      ).status,
    ).toBe(200);
    // quinn's secret as a hub from before sealing kept it: in clear
    const quinn = (await createAccount(h.hub.deps, { name: 'quinn', role: 'owner' }, { trusted: { password } })).account;
    await h.store.db
      .updateTable('accounts')
      .set({ totp_secret: secrets.quinn, totp_enabled_at: '2026-01-01T00:00:00.000Z' })
      .where('id', '=', quinn.id)
      .execute();
    await h.close();

    h = await bootHub(target, { tdb, keepDb: true });
    const all = [secrets.paula, secrets.quinn, oliviaSecret];
    const stored = await h.store.db.selectFrom('accounts').select(['name', 'totp_secret']).where('totp_secret', 'is not', null).execute();
    expect(stored.map((r) => r.name).sort()).toEqual(['olivia', 'paula', 'quinn']);
    for (const r of stored) expect(r.totp_secret).toMatch(new RegExp(`^e1\\.${testKeyring.current.id}\\.`));
    const text = await dump(h);
    for (const s of all) expect(text).not.toContain(s);
    if (target === 'sqlite') for (const s of all) expect(fileBytes(tdb.db).includes(s), 'a TOTP secret in the SQLite file').toBe(false);
    expect((await login('quinn', totpNow(secrets.quinn, h.clock.now()))).statusCode).toBe(200);
    h.clock.advance(30_000); // olivia's code of the set-up step was used
    expect((await login('olivia', totpNow(oliviaSecret, h.clock.now()))).statusCode).toBe(200);
    // A sealed secret copied onto another account does not open there.
    const paulaRow = stored.find((r) => r.name === 'paula')!;
    await h.store.db.updateTable('accounts').set({ totp_secret: paulaRow.totp_secret }).where('id', '=', olivia.id).execute();
    expect(JSON.parse((await login('olivia', totpNow(secrets.paula, h.clock.now()))).body).error.code).toBe('TOTP_SECRET_TAMPERED');
    await h.store.db
      .updateTable('accounts')
      .set({ totp_secret: stored.find((r) => r.name === 'olivia')!.totp_secret })
      .where('id', '=', olivia.id)
      .execute();

    const next = keyring(masterKey(Buffer.alloc(32, 9)), [testKeyring.current]);
    expect(await sealAtRest(h.store, next, 'all')).toMatchObject({ totpSecrets: 3 });
    await h.close();
    h = await bootHub(target, { tdb, keyring: keyring(masterKey(Buffer.alloc(32, 9))) });
    h.clock.advance(60_000);
    expect((await login('paula', totpNow(secrets.paula, h.clock.now()))).statusCode).toBe(200);
  });

  it('keeps enrollment codes as keyed hashes: not the sha256 an older hub kept, which is re-keyed at start and still enrolls; a rotation keeps open codes working while the old key is given', async () => {
    const tdb = await testDb(target);
    h = await bootHub(target, { tdb, keepDb: true });
    const w = await seedWorld(h);
    const made = await h.admin('POST', `/v1/admin/stations/${w.s1}/enrollment-codes`, {});
    const plainHash = createHash('sha256')
      .update((made.body.code as string).replace(/-/g, ''))
      .digest('hex');
    const row = await h.store.db
      .selectFrom('enrollment_codes')
      .select('code_hash')
      .where('station_id', '=', w.s1)
      .executeTakeFirstOrThrow();
    expect(row.code_hash).toMatch(new RegExp(`^h1\\.${testKeyring.current.id}\\.[0-9a-f]{64}$`));
    expect(row.code_hash).not.toContain(plainHash);
    // a code an older hub stored as its plain sha256
    const older = 'ABCD-EFGH-JKMN';
    registerSecret(older);
    const olderHash = createHash('sha256').update(older.replace(/-/g, '')).digest('hex');
    await h.store.db
      .insertInto('enrollment_codes')
      .values({
        code_hash: olderHash,
        station_id: w.s2,
        expires_at: '2099-01-01T00:00:00.000Z',
        used_at: null,
        created_at: '2026-01-01T00:00:00.000Z',
      })
      .execute();
    await h.close();

    h = await bootHub(target, { tdb, keepDb: true });
    const hashes = (await h.store.db.selectFrom('enrollment_codes').select('code_hash').execute()).map((r) => r.code_hash);
    expect(hashes).toHaveLength(2);
    expect(hashes.every((x) => x.startsWith('h1.'))).toBe(true);
    expect(await dump(h)).not.toContain(olderHash);
    if (target === 'sqlite') expect(fileBytes(tdb.db).includes(olderHash), 'the plain hash in the SQLite file').toBe(false);
    expect((await h.call('POST', '/v1/station/enroll', { code: older.toLowerCase() })).status).toBe(200);
    await h.close();

    // rotated: the open code made under the old key works while the hubs are given it, and not after
    const next = keyring(masterKey(Buffer.alloc(32, 9)), [testKeyring.current]);
    h = await bootHub(target, { tdb, keepDb: true, keyring: keyring(masterKey(Buffer.alloc(32, 9))) });
    expect((await h.call('POST', '/v1/station/enroll', { code: made.body.code })).body.error.code).toBe('ENROLLMENT_CODE_INVALID');
    await h.close();
    h = await bootHub(target, { tdb, keyring: next });
    expect((await h.call('POST', '/v1/station/enroll', { code: made.body.code })).status).toBe(200);
  });

  it('a download code sent just before a rotation opens while the previous key is given, and not without it', async () => {
    const tdb = await testDb(target);
    h = await bootHub(target, { tdb, keepDb: true });
    await seedWorld(h);
    const c = await makeCredential(h, { purchased: 2 });
    const sent = await h.admin('POST', `/v1/admin/credentials/${c.id}/download-codes`, { channel: 'email' });
    const code = h.sent.at(-1)!.code;
    await h.close();
    h = await bootHub(target, { tdb, keepDb: true, keyring: keyring(masterKey(Buffer.alloc(32, 9))) });
    expect((await h.admin('POST', `/v1/admin/credentials/${c.id}/download`, { codeId: sent.body.codeId, code })).body.error.code).toBe(
      'DOWNLOAD_CODE_WRONG',
    );
    await h.close();
    h = await bootHub(target, { tdb, keyring: keyring(masterKey(Buffer.alloc(32, 9)), [testKeyring.current]) });
    expect(
      (await h.admin('POST', `/v1/admin/credentials/${c.id}/download`, { codeId: sent.body.codeId, code })).body.licenses,
    ).toHaveLength(2);
  });
});

describe('the hub command and the master key', () => {
  it('generates a key file readable by its owner only, and rotates a SQLite store to it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-mk-'));
    try {
      const run = promisify(execFile);
      const db = join(dir, 'hub.sqlite');
      const file = join(dir, 'next.key');
      const hub = (...args: string[]) =>
        run(process.execPath, ['--import', 'tsx', 'hub/cli.ts', ...args, '--db', db]).then(
          (r) => JSON.parse(r.stdout) as Record<string, unknown>,
        );
      const gen = await hub('master-key', 'generate', file);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(gen.keyId).toBe(parseMasterKey(readFileSync(file, 'utf8')).id);
      // Rotating reads the current key (a SQLite store makes hub.master-key next to it on first use) and re-seals under the new one.
      expect(await hub('master-key', 'rotate', '--new-key-file', file)).toEqual({ rotated: 0, totpSecretsRotated: 0, keyId: gen.keyId });
      expect(existsSync(join(dir, 'hub.master-key'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
