// Authkeys at rest: sealed with AES-256-GCM under the hub's master key; a dump of the database holds none in clear,
// plain ones from an older store are sealed at start, and a rotation re-seals them under a new key.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { PullResponse } from '../../../common/hub-api';
import { keyring, masterKey, parseMasterKey, resealAuthkeys } from '../../../hub/services/authkeys';
import { bootHub, enrollStation, makeCredential, makeLicenses, seedWorld, targets, testKeyring, testDb, type TestHub } from './harness';

const tables = ['products', 'factories', 'lines', 'stations', 'enrollment_codes', 'credentials', 'licenses', 'update_requests', 'credential_events', 'push_items', 'download_codes', 'jobs', 'third_party_resources', 'notices', 'transfer_claims'];

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
    const c = await makeCredential(h, { purchased: 6 });
    await h.admin('POST', `/v1/admin/credentials/${c.id}/assign`, { factoryId: w.factoryId, stationId: w.s1 });
    const token = await enrollStation(h, w.s1);
    const text = await dump(h);
    for (const l of c.purchased) expect(text).not.toContain(l.authkey);
    const rows = await h.store.db.selectFrom('licenses').select('authkey').execute();
    expect(rows.every((r) => r.authkey.startsWith(`e1.${testKeyring.current.id}.`))).toBe(true);
    if (target === 'sqlite') {
      const file = tdb.db;
      const bytes = Buffer.concat([readFileSync(file), ...(existsSync(`${file}-wal`) ? [readFileSync(`${file}-wal`)] : [])]).toString('latin1');
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
    const c = await makeCredential(h, { purchased: 2 });
    await h.admin('POST', `/v1/admin/credentials/${c.id}/assign`, { factoryId: w.factoryId, stationId: w.s1 });
    const token = await enrollStation(h, w.s1);
    const [a, b] = c.purchased;
    const sealed = await h.store.db.selectFrom('licenses').select('authkey').where('uuid', '=', a!.uuid).executeTakeFirstOrThrow();
    await h.store.db.updateTable('licenses').set({ authkey: sealed.authkey }).where('uuid', '=', b!.uuid).execute();
    const r = await h.call('POST', '/v1/station/pull', { cursor: null }, token);
    expect(r.body.error.code).toBe('AUTHKEY_TAMPERED');
  });

  it('seals the plain authkeys of an older store at start, and rotates them to a new master key', async () => {
    const tdb = await testDb(target);
    h = await bootHub(target, { tdb, keepDb: true });
    const w = await seedWorld(h);
    const c = await makeCredential(h, { purchased: 0 });
    const plain = makeLicenses(5);
    await h.store.db.insertInto('licenses').values(plain.map((l) => ({
      uuid: l.uuid, credential_id: c.id, authkey: l.authkey, mac: null, kind: 'purchased', status: 'unused', station_id: null, lease_seq: null, leased_at: null,
      burned_at: null, burned_pid: null, burned_mac: null, spoiled_reason: null, imported_at: '2026-01-01T00:00:00.000Z',
    }))).execute();
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
});

describe('the hub command and the master key', () => {
  it('generates a key file readable by its owner only, and rotates a SQLite store to it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-mk-'));
    try {
      const run = promisify(execFile);
      const db = join(dir, 'hub.sqlite');
      const file = join(dir, 'next.key');
      const hub = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'hub/cli.ts', ...args, '--db', db]).then((r) => JSON.parse(r.stdout) as Record<string, unknown>);
      const gen = await hub('master-key', 'generate', file);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(gen.keyId).toBe(parseMasterKey(readFileSync(file, 'utf8')).id);
      // Rotating reads the current key (a SQLite store makes hub.master-key next to it on first use) and re-seals under the new one.
      expect(await hub('master-key', 'rotate', '--new-key-file', file)).toEqual({ rotated: 0, keyId: gen.keyId });
      expect(existsSync(join(dir, 'hub.master-key'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
