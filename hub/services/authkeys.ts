/**
 * The hub's keyring: its master key(s) and what they protect at rest.
 * - Authkeys and TOTP secrets: sealed with AES-256-GCM, with associated data naming their place (the license uuid;
 *   `totp:` + the account id), so a sealed value copied to another row does not open. Stored as
 *   `e1.<key id>.<base64url(iv | ciphertext | tag)>` (sealed.ts); the key id (first 8 hex of the key's SHA-256) says which master
 *   key sealed it, so a rotation can run while hubs still read with the previous key.
 * - One-time codes (download, contact, enrollment): HMAC-SHA256 under keys derived (HKDF) from the master key, so a
 *   stolen database does not give them back by trying every code.
 * The key comes from a file or the environment, never the command line.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash, createHmac, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { dirname, join } from 'node:path';
import { sql } from 'kysely';
import { AppError } from '../../common/errors';
import type { Store } from '../store';
import { isSealed, KEY_ID_LENGTH, openWith, sealedKeyId, sealedPrefix, sealWith } from './sealed';
import { chunks } from './util';

export interface MasterKey {
  id: string;
  key: KeyObject;
}
/** The key new authkeys are sealed with, and older ones still accepted for reading (during a rotation). */
export interface Keyring {
  current: MasterKey;
  previous: MasterKey[];
}

export function masterKey(raw: Buffer): MasterKey {
  if (raw.length !== 32)
    throw new AppError('MASTER_KEY_INVALID', 'A hub master key is 32 random bytes, written as 64 hex digits or in base64.');
  return { id: createHash('sha256').update(raw).digest('hex').slice(0, KEY_ID_LENGTH), key: createSecretKey(raw) };
}

/** 64 hex digits or base64 of 32 bytes (surrounding white space ignored). */
export function parseMasterKey(text: string): MasterKey {
  const t = text.trim();
  const raw = /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  return masterKey(raw);
}

export const keyring = (current: MasterKey, previous: MasterKey[] = []): Keyring => ({
  current,
  previous: previous.filter((k) => k.id !== current.id),
});

export const newMasterKeyText = (): string => randomBytes(32).toString('hex');

/** Writes a new random master key file readable by its owner only. */
export function writeMasterKeyFile(path: string): MasterKey {
  if (existsSync(path))
    throw new AppError('MASTER_KEY_EXISTS', `There is already a file at ${path}: a master key is never overwritten.`, { path });
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
  else
    throw new AppError(
      'MASTER_KEY_MISSING',
      'A hub on PostgreSQL needs its master key: set HUB_MASTER_KEY_FILE (every hub process the same; "hub master-key generate FILE" makes one).',
    );
  const previous = env.HUB_PREVIOUS_MASTER_KEY_FILE
    ? [readKeyFile(env.HUB_PREVIOUS_MASTER_KEY_FILE, 'previous master key')]
    : env.HUB_PREVIOUS_MASTER_KEY
      ? [parseMasterKey(env.HUB_PREVIOUS_MASTER_KEY)]
      : [];
  return keyring(current, previous);
}

const derivedKeys = new WeakMap<MasterKey, Map<string, Buffer>>();

/** A key for one purpose, derived (HKDF) from a master key. */
function derivedKey(mk: MasterKey, purpose: string): Buffer {
  let byPurpose = derivedKeys.get(mk);
  if (!byPurpose) derivedKeys.set(mk, (byPurpose = new Map()));
  let k = byPurpose.get(purpose);
  if (!k) byPurpose.set(purpose, (k = Buffer.from(hkdfSync('sha256', mk.key.export(), Buffer.alloc(0), `credential-hub ${purpose}`, 32))));
  return k;
}

/**
 * HMAC-SHA256 of a one-time code under a key derived from the current master key: a stolen database alone
 * does not give the codes back (a plain hash of a 6-digit code is undone by trying all 10^6).
 */
export function codeMac(ring: Keyring, codeId: string, code: string): string {
  return macUnder(ring.current, codeId, code);
}

const macUnder = (mk: MasterKey, codeId: string, code: string): string =>
  createHmac('sha256', derivedKey(mk, 'one-time codes')).update(`${codeId}:${code}`).digest('hex');

/** The code's HMAC under each key of the ring: a code sent just before a rotation still opens while the hubs hold the previous key. */
export const codeMacs = (ring: Keyring, codeId: string, code: string): string[] =>
  [ring.current, ...ring.previous].map((mk) => macUnder(mk, codeId, code));

const keyedPrefix = 'h1.';
const enrollmentMac = (mk: MasterKey, plainHash: string): string =>
  `${keyedPrefix}${mk.id}.${createHmac('sha256', derivedKey(mk, 'enrollment codes')).update(plainHash).digest('hex')}`;

/**
 * How an enrollment code is stored: `h1.<key id>.` + HMAC of the code's sha256 (the sha256 is what older hubs
 * stored, so their rows are converted without the codes: `rekeyEnrollmentCodes`), under the current key.
 */
export const enrollmentCodeHash = (ring: Keyring, normalisedCode: string): string => enrollmentMac(ring.current, sha256Hex(normalisedCode));

/** What a typed enrollment code may be stored as: under the current key, or a previous one during a rotation. */
export const enrollmentCodeCandidates = (ring: Keyring, normalisedCode: string): string[] => {
  const plain = sha256Hex(normalisedCode);
  return [ring.current, ...ring.previous].map((mk) => enrollmentMac(mk, plain));
};

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Enrollment codes stored as a plain sha256 (before keyed hashes) become keyed hashes; returns how many. */
export async function rekeyEnrollmentCodes(store: Store, ring: Keyring): Promise<number> {
  return store.tx(async (trx) => {
    const rows = await store
      .lockForUpdate(
        trx
          .selectFrom('enrollment_codes')
          .select('code_hash')
          .where(sql<boolean>`substr(code_hash, 1, ${keyedPrefix.length}) <> ${keyedPrefix}`),
      )
      .execute();
    for (const r of rows)
      await trx
        .updateTable('enrollment_codes')
        .set({ code_hash: enrollmentMac(ring.current, r.code_hash) })
        .where('code_hash', '=', r.code_hash)
        .execute();
    return rows.length;
  });
}

/** AES-256-GCM under the current master key; `aad` ties the sealed value to its place. */
const seal = (ring: Keyring, aad: string, text: string): string => sealWith(ring.current.id, ring.current.key, aad, text);

/** Opens what `seal` made; a value that is not sealed yet (an older store, sealed at the next start) is returned as it is. */
function open(ring: Keyring, aad: string, stored: string, tampered: (cause: unknown) => AppError): string {
  if (!isSealed(stored)) return stored;
  const id = sealedKeyId(stored);
  const k = ring.current.id === id ? ring.current : ring.previous.find((p) => p.id === id);
  if (!k)
    throw new AppError(
      'MASTER_KEY_UNKNOWN',
      `A secret is sealed with master key ${id}, which this hub was not given: set HUB_PREVIOUS_MASTER_KEY_FILE to it, or finish the rotation.`,
      { keyId: id },
    );
  try {
    return openWith(k.key, aad, stored);
  } catch (e) {
    throw tampered(e);
  }
}

export const sealAuthkey = (ring: Keyring, uuid: string, authkey: string): string => seal(ring, uuid, authkey);

export const openAuthkey = (ring: Keyring, uuid: string, stored: string): string =>
  open(
    ring,
    uuid,
    stored,
    (cause) =>
      new AppError(
        'AUTHKEY_TAMPERED',
        `The sealed authkey of license ${uuid} does not open: it was changed or copied from another license.`,
        { uuid },
        { cause },
      ),
  );

const totpPlace = (accountId: string): string => `totp:${accountId}`;

/** An account's TOTP secret (base32), sealed like an authkey: a dump of the database gives no second factor. */
export const sealTotpSecret = (ring: Keyring, accountId: string, secret: string): string => seal(ring, totpPlace(accountId), secret);

export const openTotpSecret = (ring: Keyring, accountId: string, stored: string): string =>
  open(
    ring,
    totpPlace(accountId),
    stored,
    (cause) =>
      new AppError(
        'TOTP_SECRET_TAMPERED',
        'The second factor of this account does not open on this hub: a platform account must reset its password (which resets the second factor).',
        { accountId },
        { cause },
      ),
  );

/**
 * Seals, under the keyring's current key, the authkeys that are not under it yet: `plain` ones only (a store from
 * before sealing; every start does this), or `all` (a rotation: also those under a previous key). In batches of
 * 1000, each its own transaction, so it can be stopped and run again. Returns how many it changed.
 */
export async function resealAuthkeys(store: Store, ring: Keyring, which: 'plain' | 'all'): Promise<number> {
  const mine = sealedPrefix(which === 'all' ? ring.current.id : undefined);
  let done = 0;
  let after = '';
  for (;;) {
    const batch = await store.tx(async (trx) => {
      const rows = await store
        .lockForUpdate(
          trx
            .selectFrom('licenses')
            .select(['uuid', 'authkey'])
            .where('uuid', '>', after)
            .where(sql<boolean>`substr(authkey, 1, ${mine.length}) <> ${mine}`)
            .orderBy('uuid')
            .limit(1000),
        )
        .execute();
      for (const part of chunks(rows, 200)) {
        for (const r of part)
          await trx
            .updateTable('licenses')
            .set({ authkey: sealAuthkey(ring, r.uuid, openAuthkey(ring, r.uuid, r.authkey)) })
            .where('uuid', '=', r.uuid)
            .execute();
      }
      return rows;
    });
    done += batch.length;
    if (batch.length < 1000) break;
    after = batch[batch.length - 1]!.uuid;
  }
  if (done > 0) await scrubFreedPages(store);
  return done;
}

/** TOTP secrets not sealed under the current key yet (`plain`, or `all` for a rotation) are sealed; returns how many. */
export async function resealTotpSecrets(store: Store, ring: Keyring, which: 'plain' | 'all'): Promise<number> {
  const mine = sealedPrefix(which === 'all' ? ring.current.id : undefined);
  return store.tx(async (trx) => {
    const rows = await store
      .lockForUpdate(
        trx
          .selectFrom('accounts')
          .select(['id', 'totp_secret'])
          .where('totp_secret', 'is not', null)
          .where(sql<boolean>`substr(totp_secret, 1, ${mine.length}) <> ${mine}`),
      )
      .execute();
    for (const r of rows) {
      await trx
        .updateTable('accounts')
        .set({ totp_secret: sealTotpSecret(ring, r.id, openTotpSecret(ring, r.id, r.totp_secret!)) })
        .where('id', '=', r.id)
        .execute();
    }
    return rows.length;
  });
}

/**
 * Plain values a rewrite freed must not linger in SQLite's free pages, nor in the old pages the write-ahead log
 * keeps: vacuum, then checkpoint the log into the file and empty it. (PostgreSQL's dead rows are not in a dump.)
 */
async function scrubFreedPages(store: Store): Promise<void> {
  if (store.dialect !== 'sqlite') return;
  await sql`vacuum`.execute(store.db);
  await sql`pragma wal_checkpoint(truncate)`.execute(store.db);
}

export interface SealedAtRest {
  authkeys: number;
  totpSecrets: number;
  enrollmentCodes: number;
}

/**
 * Everything the keyring protects, brought under it: at every start and `hub migrate` (`plain`: what an older
 * store kept in clear), and by `hub master-key rotate` (`all`: also what a previous key sealed; enrollment codes
 * made under the previous key keep working while the hubs are given it, then ask for new ones).
 */
export async function sealAtRest(store: Store, ring: Keyring, which: 'plain' | 'all'): Promise<SealedAtRest> {
  const authkeys = await resealAuthkeys(store, ring, which);
  const totpSecrets = await resealTotpSecrets(store, ring, which);
  const enrollmentCodes = await rekeyEnrollmentCodes(store, ring);
  if (authkeys === 0 && totpSecrets + enrollmentCodes > 0) await scrubFreedPages(store); // resealAuthkeys scrubs for its own

  return { authkeys, totpSecrets, enrollmentCodes };
}
