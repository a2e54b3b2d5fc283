/**
 * Authkeys at rest: each one sealed with AES-256-GCM under the hub's master key, the license uuid as associated
 * data (a sealed authkey copied to another row does not open). Stored as `e1.<key id>.<base64url(iv | ciphertext | tag)>`;
 * the key id (first 8 hex of the key's SHA-256) says which master key sealed it, so a rotation can run while
 * hubs still read with the previous key. The key comes from a file or the environment, never the command line.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { dirname, join } from 'node:path';
import { sql } from 'kysely';
import { AppError } from '../../common/errors';
import type { Store } from '../store';
import { chunks } from './util';

export interface MasterKey { id: string; key: KeyObject }
/** The key new authkeys are sealed with, and older ones still accepted for reading (during a rotation). */
export interface Keyring { current: MasterKey; previous: MasterKey[] }

const prefix = 'e1.';

export function masterKey(raw: Buffer): MasterKey {
  if (raw.length !== 32) throw new AppError('MASTER_KEY_INVALID', 'A hub master key is 32 random bytes, written as 64 hex digits or in base64.');
  return { id: createHash('sha256').update(raw).digest('hex').slice(0, 8), key: createSecretKey(raw) };
}

/** 64 hex digits or base64 of 32 bytes (surrounding white space ignored). */
export function parseMasterKey(text: string): MasterKey {
  const t = text.trim();
  const raw = /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  return masterKey(raw);
}

export const keyring = (current: MasterKey, previous: MasterKey[] = []): Keyring => ({ current, previous: previous.filter((k) => k.id !== current.id) });

export const newMasterKeyText = (): string => randomBytes(32).toString('hex');

/** Writes a new random master key file readable by its owner only. */
export function writeMasterKeyFile(path: string): MasterKey {
  if (existsSync(path)) throw new AppError('MASTER_KEY_EXISTS', `There is already a file at ${path}: a master key is never overwritten.`, { path });
  mkdirSync(dirname(path), { recursive: true });
  const text = newMasterKeyText();
  writeFileSync(path, `${text}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return parseMasterKey(text);
}

function readKeyFile(path: string, what: string): MasterKey {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new AppError('MASTER_KEY_UNREADABLE', `Cannot read the ${what} file ${path}.`, { path });
  }
  return parseMasterKey(text);
}

/**
 * The master key from HUB_MASTER_KEY_FILE (or `file`), else HUB_MASTER_KEY; the previous one (during a rotation)
 * from HUB_PREVIOUS_MASTER_KEY_FILE / HUB_PREVIOUS_MASTER_KEY. Without one, a SQLite hub makes `hub.master-key`
 * next to its database on first start (owner-only); a PostgreSQL hub (several processes) must be given it.
 */
export function resolveKeyring(store: Pick<Store, 'dialect' | 'location'>, env: NodeJS.ProcessEnv = process.env, file?: string): Keyring {
  const keyFile = file ?? env.HUB_MASTER_KEY_FILE;
  let current: MasterKey;
  if (keyFile) current = readKeyFile(keyFile, 'master key');
  else if (env.HUB_MASTER_KEY) current = parseMasterKey(env.HUB_MASTER_KEY);
  else if (store.dialect === 'sqlite' && store.location !== ':memory:') {
    const path = join(dirname(store.location), 'hub.master-key');
    current = existsSync(path) ? readKeyFile(path, 'master key') : writeMasterKeyFile(path);
  } else if (store.dialect === 'sqlite') current = masterKey(randomBytes(32));
  else throw new AppError('MASTER_KEY_MISSING', 'A hub on PostgreSQL needs its master key: set HUB_MASTER_KEY_FILE (every hub process the same; "hub master-key generate FILE" makes one).');
  const previous = env.HUB_PREVIOUS_MASTER_KEY_FILE ? [readKeyFile(env.HUB_PREVIOUS_MASTER_KEY_FILE, 'previous master key')] : env.HUB_PREVIOUS_MASTER_KEY ? [parseMasterKey(env.HUB_PREVIOUS_MASTER_KEY)] : [];
  return keyring(current, previous);
}

const codeKeys = new WeakMap<MasterKey, Buffer>();

/**
 * HMAC-SHA256 of a one-time code under a key derived (HKDF) from the current master key: a stolen database alone
 * does not give the codes back (a plain hash of a 6-digit code is undone by trying all 10^6).
 */
export function codeMac(ring: Keyring, codeId: string, code: string): string {
  let k = codeKeys.get(ring.current);
  if (!k) {
    k = Buffer.from(hkdfSync('sha256', ring.current.key.export(), Buffer.alloc(0), 'credential-hub one-time codes', 32));
    codeKeys.set(ring.current, k);
  }
  return createHmac('sha256', k).update(`${codeId}:${code}`).digest('hex');
}

export function sealAuthkey(ring: Keyring, uuid: string, authkey: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', ring.current.key, iv);
  c.setAAD(Buffer.from(uuid, 'latin1'));
  const body = Buffer.concat([iv, c.update(authkey, 'latin1'), c.final(), c.getAuthTag()]);
  return `${prefix}${ring.current.id}.${body.toString('base64url')}`;
}

const isSealed = (stored: string): boolean => stored.startsWith(prefix);

export function openAuthkey(ring: Keyring, uuid: string, stored: string): string {
  if (!isSealed(stored)) return stored; // sealed at the next start (sealPlainAuthkeys)
  const id = stored.slice(prefix.length, prefix.length + 8);
  const k = ring.current.id === id ? ring.current : ring.previous.find((p) => p.id === id);
  if (!k) throw new AppError('MASTER_KEY_UNKNOWN', `An authkey is sealed with master key ${id}, which this hub was not given: set HUB_PREVIOUS_MASTER_KEY_FILE to it, or finish the rotation.`, { keyId: id });
  const body = Buffer.from(stored.slice(prefix.length + 9), 'base64url');
  const d = createDecipheriv('aes-256-gcm', k.key, body.subarray(0, 12));
  d.setAAD(Buffer.from(uuid, 'latin1'));
  d.setAuthTag(body.subarray(body.length - 16));
  const text = d.update(body.subarray(12, body.length - 16), undefined, 'latin1');
  try {
    return text + d.final('latin1');
  } catch (e) {
    throw new AppError('AUTHKEY_TAMPERED', `The sealed authkey of license ${uuid} does not open: it was changed or copied from another license.`, { uuid }, { cause: e });
  }
}

/**
 * Seals, under the keyring's current key, the authkeys that are not under it yet: `plain` ones only (a store from
 * before sealing; every start does this), or `all` (a rotation: also those under a previous key). In batches of
 * 1000, each its own transaction, so it can be stopped and run again. Returns how many it changed.
 */
export async function resealAuthkeys(store: Store, ring: Keyring, which: 'plain' | 'all'): Promise<number> {
  const mine = which === 'all' ? `${prefix}${ring.current.id}.` : prefix;
  let done = 0;
  let after = '';
  for (;;) {
    const batch = await store.tx(async (trx) => {
      const rows = await store.lockForUpdate(trx.selectFrom('licenses').select(['uuid', 'authkey']).where('uuid', '>', after)
        .where(sql<boolean>`substr(authkey, 1, ${mine.length}) <> ${mine}`).orderBy('uuid').limit(1000)).execute();
      for (const part of chunks(rows, 200)) {
        for (const r of part) await trx.updateTable('licenses').set({ authkey: sealAuthkey(ring, r.uuid, openAuthkey(ring, r.uuid, r.authkey)) }).where('uuid', '=', r.uuid).execute();
      }
      return rows;
    });
    done += batch.length;
    if (batch.length < 1000) break;
    after = batch[batch.length - 1]!.uuid;
  }
  // Plain text freed by the rewrite must not linger in SQLite's free pages.
  if (done > 0 && store.dialect === 'sqlite') await sql`vacuum`.execute(store.db);
  return done;
}
