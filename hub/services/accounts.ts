/**
 * Accounts, sign-in, sessions and API keys.
 * - Passwords: scrypt (node:crypto), parameters stored with each hash.
 * - Sessions: a random token in an httpOnly cookie, its sha256 on the hub, a
 *   per-session CSRF token; idle and absolute expiry; sign out everywhere.
 * - Lockout with backoff per account name and per client address.
 * - TOTP second factor (otpauth): optional for all, required for `platform`; the secret sealed under the
 *   hub's master key (authkeys.ts), so a dump of the database gives no second factor.
 * - API keys: `hk_` + 256 random bits, shown once, stored as sha256, bound to
 *   the account's role, revocable, last use recorded (to the minute).
 */
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { AppError } from '../../common/errors';
import { newId } from '../../common/ids';
import {
  accountInputSchema,
  setRoleInputSchema,
  stationAccessInputSchema,
  stationPinSchema,
  type Account,
  type AccountInput,
  type ApiKey,
  type Role,
  type SetRoleInput,
  type Session,
  type StationAccessInput,
  type StationPeople,
} from '../../common/hub-api';
import { hashSecret, verifySecret } from '../../node/secret-hash';
import type { Tx } from '../store';
import type { AccountTable, ApiKeyTable, SessionTable } from '../store/schema';
import { openTotpSecret, sealTotpSecret } from './authkeys';
import type { HubDeps } from './context';
import { isoIn, nowIso, sha256 } from './util';

// ---------- passwords ----------

export const hashPassword = hashSecret;
export const verifyPassword = verifySecret;

/** A one-time password: 20 characters a person can type (no 0/O/1/l/I), about 110 bits. */
export function oneTimePassword(): string {
  const alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(20);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return `${out.slice(0, 5)}-${out.slice(5, 10)}-${out.slice(10, 15)}-${out.slice(15)}`;
}

// ---------- accounts ----------

export function toAccount(r: AccountTable): Account {
  return {
    id: r.id,
    name: r.name,
    role: r.role as Role,
    factoryId: r.factory_id,
    email: r.email,
    emailVerified: r.email_verified_at !== null,
    phone: r.phone,
    phoneVerified: r.phone_verified_at !== null,
    totpEnabled: r.totp_enabled_at !== null,
    mustChangePassword: r.must_change_password === 1,
    disabled: r.disabled_at !== null,
    createdAt: r.created_at,
    operatorNumber: r.operator_number,
    badge: r.badge,
    stationPin: r.station_pin_hash !== null,
  };
}

const accountNotFound = (id: string): AppError => new AppError('ACCOUNT_NOT_FOUND', `There is no account ${id}.`, { accountId: id });

async function accountRow(deps: HubDeps, idOrName: string): Promise<AccountTable> {
  const row = await deps.store.db
    .selectFrom('accounts')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .executeTakeFirst();
  if (!row) throw accountNotFound(idOrName);
  return row;
}

async function assertFactory(deps: HubDeps, trx: Tx, factoryId: string | null | undefined): Promise<void> {
  if (!factoryId) return;
  const f = await trx.selectFrom('factories').select('id').where('id', '=', factoryId).executeTakeFirst();
  if (!f) throw new AppError('FACTORY_NOT_FOUND', `There is no factory ${factoryId}.`, { factoryId });
}

export interface NewAccountOptions {
  /** The demo's accounts: contacts count as verified, the password is not one-time, and a TOTP secret may be given. */
  trusted?: { password?: string; totpSecret?: string };
}

/** A new account with a one-time password (shown once; changed at the first sign-in). */
export async function createAccount(
  deps: HubDeps,
  raw: AccountInput,
  opts: NewAccountOptions = {},
): Promise<{ account: Account; oneTimePassword: string }> {
  const input = accountInputSchema.parse(raw);
  const password = opts.trusted?.password ?? oneTimePassword();
  const hash = await hashPassword(password, deps.config.auth.scryptCost);
  const now = nowIso(deps);
  const verified = opts.trusted ? now : null;
  const id = newId();
  const row: AccountTable = {
    id,
    name: input.name,
    role: input.role,
    factory_id: input.factoryId ?? null,
    email: input.email ?? null,
    email_verified_at: input.email ? verified : null,
    phone: input.phone ?? null,
    phone_verified_at: input.phone ? verified : null,
    password_hash: hash,
    must_change_password: opts.trusted ? 0 : 1,
    totp_secret: opts.trusted?.totpSecret ? sealTotpSecret(deps.keyring, id, opts.trusted.totpSecret) : null,
    totp_enabled_at: opts.trusted?.totpSecret ? now : null,
    totp_last_step: null,
    disabled_at: null,
    created_at: now,
    updated_at: now,
    operator_number: null,
    badge: null,
    station_pin_hash: null,
  };
  await deps.store.tx(async (trx) => {
    await assertFactory(deps, trx, row.factory_id);
    const taken = await trx.selectFrom('accounts').select('id').where('name', '=', row.name).executeTakeFirst();
    if (taken)
      throw new AppError('ACCOUNT_NAME_TAKEN', `There is already an account named "${row.name}": choose another name.`, { name: row.name });
    await trx.insertInto('accounts').values(row).execute();
  });
  return { account: toAccount(row), oneTimePassword: password };
}

/** The demo's accounts: a known password (not one-time) and, for the platform account, a second factor already on. */
export async function ensureDemoAccount(deps: HubDeps, input: AccountInput, password: string, totpSecret?: string): Promise<Account> {
  const existing = await deps.store.db.selectFrom('accounts').selectAll().where('name', '=', input.name).executeTakeFirst();
  if (!existing) return (await createAccount(deps, input, { trusted: { password, ...(totpSecret ? { totpSecret } : {}) } })).account;
  const now = nowIso(deps);
  const next = {
    password_hash: await hashPassword(password, deps.config.auth.scryptCost),
    must_change_password: 0,
    disabled_at: null,
    totp_secret: totpSecret ? sealTotpSecret(deps.keyring, existing.id, totpSecret) : null,
    totp_enabled_at: totpSecret ? now : null,
    totp_last_step: null,
    updated_at: now,
  };
  await deps.store.db.updateTable('accounts').set(next).where('id', '=', existing.id).execute();
  return toAccount({ ...existing, ...next });
}

export const newTotpSecret = (): string => new Secret({ size: 20 }).base32;

export async function listAccounts(deps: HubDeps): Promise<{ accounts: Account[] }> {
  const rows = await deps.store.db.selectFrom('accounts').selectAll().orderBy('created_at').orderBy('name').execute();
  return { accounts: rows.map(toAccount) };
}

async function endSessions(trx: Tx, accountId: string, now: string, except?: string): Promise<number> {
  let q = trx.updateTable('sessions').set({ ended_at: now }).where('account_id', '=', accountId).where('ended_at', 'is', null);
  if (except) q = q.where('id', '!=', except);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** The hub keeps at least one enabled platform account: someone must approve, pay and manage accounts. */
async function assertNotLastPlatform(trx: Tx, row: AccountTable, what: string): Promise<void> {
  if (row.role !== 'platform' || row.disabled_at !== null) return;
  const others = await trx
    .selectFrom('accounts')
    .select('id')
    .where('role', '=', 'platform')
    .where('disabled_at', 'is', null)
    .where('id', '!=', row.id)
    .executeTakeFirst();
  if (!others)
    throw new AppError(
      'LAST_PLATFORM_ACCOUNT',
      `"${row.name}" is the only enabled platform account: add another platform account before it can be ${what}.`,
      { accountId: row.id },
    );
}

async function lockedAccount(deps: HubDeps, trx: Tx, idOrName: string): Promise<AccountTable> {
  const row = await deps.store
    .lockForUpdate(
      trx
        .selectFrom('accounts')
        .selectAll()
        .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)])),
    )
    .executeTakeFirst();
  if (!row) throw accountNotFound(idOrName);
  return row;
}

/** Disables an account: its sessions end and its API keys stop working. */
export async function disableAccount(deps: HubDeps, idOrName: string): Promise<Account> {
  return deps.store.tx(async (trx) => {
    const row = await lockedAccount(deps, trx, idOrName);
    if (row.disabled_at !== null) return toAccount(row);
    await assertNotLastPlatform(trx, row, 'disabled');
    const now = nowIso(deps);
    await trx.updateTable('accounts').set({ disabled_at: now, updated_at: now }).where('id', '=', row.id).execute();
    await endSessions(trx, row.id, now);
    return toAccount({ ...row, disabled_at: now, updated_at: now });
  });
}

/** A new one-time password; the account's sessions end and its second factor must be set up again (a lost phone is the usual reason). */
export async function resetPassword(deps: HubDeps, idOrName: string): Promise<{ account: Account; oneTimePassword: string }> {
  const password = oneTimePassword();
  const hash = await hashPassword(password, deps.config.auth.scryptCost);
  return deps.store.tx(async (trx) => {
    const row = await lockedAccount(deps, trx, idOrName);
    const now = nowIso(deps);
    const next = {
      password_hash: hash,
      must_change_password: 1,
      totp_secret: null,
      totp_enabled_at: null,
      totp_last_step: null,
      updated_at: now,
    };
    await trx.updateTable('accounts').set(next).where('id', '=', row.id).execute();
    await trx.deleteFrom('auth_throttle').where('key', '=', throttleKey('account', row.name)).execute();
    await endSessions(trx, row.id, now);
    return { account: toAccount({ ...row, ...next }), oneTimePassword: password };
  });
}

/** A new role (and factory, for `factory`); the account's sessions end, its API keys carry the new role. */
export async function setRole(deps: HubDeps, idOrName: string, raw: SetRoleInput): Promise<Account> {
  const input = setRoleInputSchema.parse(raw);
  return deps.store.tx(async (trx) => {
    const row = await lockedAccount(deps, trx, idOrName);
    if (input.role !== 'platform') await assertNotLastPlatform(trx, row, 'given another role');
    await assertFactory(deps, trx, input.factoryId);
    const now = nowIso(deps);
    const next = { role: input.role, factory_id: input.factoryId ?? null, updated_at: now };
    await trx.updateTable('accounts').set(next).where('id', '=', row.id).execute();
    await endSessions(trx, row.id, now);
    return toAccount({ ...row, ...next });
  });
}

// ---------- people at the stations ----------

const factoryOnly = (row: AccountTable): string => {
  if (row.role !== 'factory' || row.factory_id === null)
    throw new AppError('NOT_A_FACTORY_ACCOUNT', `"${row.name}" is not a factory account: only a factory's accounts work at its stations.`, {
      accountId: row.id,
    });
  return row.factory_id;
};

/**
 * Who a factory account is at its factory's stations: its operator number and badge (each unique within the
 * factory), or its station PIN removed. `inFactory` limits a factory manager to its own factory's accounts.
 */
export async function setStationAccess(
  deps: HubDeps,
  idOrName: string,
  raw: StationAccessInput,
  inFactory?: string | null,
): Promise<Account> {
  const input = stationAccessInputSchema.parse(raw);
  return deps.store.tx(async (trx) => {
    const row = await lockedAccount(deps, trx, idOrName);
    const factoryId = factoryOnly(row);
    if (inFactory != null && inFactory !== factoryId) throw accountNotFound(idOrName);
    const next: Partial<AccountTable> = { updated_at: nowIso(deps) };
    for (const [field, column, what] of [
      ['operatorNumber', 'operator_number', 'operator number'],
      ['badge', 'badge', 'badge'],
    ] as const) {
      const value = input[field];
      if (value === undefined) continue;
      if (value !== null) {
        const taken = await trx
          .selectFrom('accounts')
          .select('name')
          .where('factory_id', '=', factoryId)
          .where(column, '=', value)
          .where('id', '!=', row.id)
          .executeTakeFirst();
        if (taken)
          throw new AppError('STATION_ACCESS_TAKEN', `The ${what} ${value} is already "${taken.name}"'s in this factory: choose another.`, {
            accountId: row.id,
          });
      }
      next[column] = value;
    }
    if (input.clearStationPin) next.station_pin_hash = null;
    await trx.updateTable('accounts').set(next).where('id', '=', row.id).execute();
    return toAccount({ ...row, ...next });
  });
}

/** A factory account sets its own station PIN; its factory's stations get the hash on their next pull. */
export async function setStationPin(deps: HubDeps, idOrName: string, pin: string): Promise<Account> {
  const row = await accountRow(deps, idOrName);
  factoryOnly(row);
  const hash = await hashSecret(stationPinSchema.parse(pin), deps.config.auth.scryptCost);
  const now = nowIso(deps);
  await deps.store.db.updateTable('accounts').set({ station_pin_hash: hash, updated_at: now }).where('id', '=', row.id).execute();
  return toAccount({ ...row, station_pin_hash: hash, updated_at: now });
}

/** The people of a station's factory, as its pull delivers them: lines, operators and supervisors (PIN hashes only), enabled accounts only. */
export async function stationPeople(deps: HubDeps, trx: Tx, factoryId: string): Promise<StationPeople> {
  const lines = await trx
    .selectFrom('lines')
    .select(['id', 'name'])
    .where('factory_id', '=', factoryId)
    .orderBy('name')
    .orderBy('id')
    .execute();
  const rows = await trx
    .selectFrom('accounts')
    .select(['id', 'name', 'operator_number', 'badge', 'station_pin_hash'])
    .where('factory_id', '=', factoryId)
    .where('role', '=', 'factory')
    .where('disabled_at', 'is', null)
    .where((eb) => eb.or([eb('operator_number', 'is not', null), eb('station_pin_hash', 'is not', null)]))
    .orderBy('name')
    .execute();
  return {
    lines,
    operators: rows
      .filter((r) => r.operator_number !== null)
      .map((r) => ({ accountId: r.id, name: r.name, number: r.operator_number!, badge: r.badge })),
    supervisors: rows
      .filter((r) => r.station_pin_hash !== null)
      .map((r) => ({ accountId: r.id, name: r.name, pinHash: r.station_pin_hash! })),
  };
}

// ---------- sign-in throttle ----------

const throttleKey = (kind: 'account' | 'address', value: string): string => `${kind}:${value.toLowerCase()}`;

/** Refuses a sign-in while the account name or the address is locked. */
async function assertNotLocked(deps: HubDeps, keys: string[]): Promise<void> {
  const now = deps.clock.now();
  const rows = await deps.store.db.selectFrom('auth_throttle').selectAll().where('key', 'in', keys).execute();
  const until = Math.max(0, ...rows.map((r) => (r.locked_until ? Date.parse(r.locked_until) : 0)));
  if (until > now) {
    const seconds = Math.ceil((until - now) / 1000);
    throw new AppError('SIGN_IN_LOCKED', `Too many failed sign-ins: try again in ${seconds} s.`, { retryAfterSeconds: seconds });
  }
}

/** One more failure for each key; at the threshold the key is locked, and each further failure doubles the lock (up to the maximum). */
async function recordFailure(deps: HubDeps, keys: { key: string; threshold: number }[]): Promise<void> {
  const { lockBaseMs, lockMaxMs } = deps.config.auth;
  const now = deps.clock.now();
  await deps.store.tx(async (trx) => {
    for (const { key, threshold } of keys) {
      const row = await deps.store.lockForUpdate(trx.selectFrom('auth_throttle').selectAll().where('key', '=', key)).executeTakeFirst();
      // Failures older than the longest lock are forgiven.
      const previous = row && now - Date.parse(row.last_failure_at) < lockMaxMs ? row.failures : 0;
      const failures = previous + 1;
      const lockedUntil =
        failures >= threshold ? new Date(now + Math.min(lockMaxMs, lockBaseMs * 2 ** (failures - threshold))).toISOString() : null;
      const values = { key, failures, locked_until: lockedUntil, last_failure_at: new Date(now).toISOString() };
      if (row) await trx.updateTable('auth_throttle').set(values).where('key', '=', key).execute();
      else await trx.insertInto('auth_throttle').values(values).execute();
    }
  });
}

// ---------- sessions ----------

export interface Principal {
  account: AccountTable;
  /** The session, when signed in with the cookie; null for an API key. */
  session: SessionTable | null;
  apiKey: Pick<ApiKeyTable, 'id' | 'name'> | null;
}

export function pendingSteps(a: AccountTable): Session['pending'] {
  const out: Session['pending'] = [];
  if (a.must_change_password === 1) out.push('change_password');
  if (a.role === 'platform' && a.totp_enabled_at === null) out.push('setup_totp');
  return out;
}

function toSession(deps: HubDeps, account: AccountTable, s: SessionTable): Session {
  const idle = Math.min(Date.parse(s.last_seen_at) + deps.config.auth.sessionIdleMs, Date.parse(s.expires_at));
  return {
    account: toAccount(account),
    csrfToken: s.csrf_token,
    expiresAt: s.expires_at,
    idleExpiresAt: new Date(idle).toISOString(),
    pending: pendingSteps(account),
  };
}

export const sessionToken = (): string => `hs_${randomBytes(32).toString('base64url')}`;

function totpFor(account: Pick<AccountTable, 'name'>, secret: string): TOTP {
  return new TOTP({
    issuer: 'Credential hub',
    label: account.name,
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  });
}

/** The time step a code belongs to, or null when it is not one of the current window's codes. */
function totpStep(deps: HubDeps, account: AccountTable, secret: string, code: string): number | null {
  const totp = totpFor(account, secret);
  const now = deps.clock.now();
  const delta = totp.validate({ token: code, timestamp: now, window: 1 });
  return delta === null ? null : Math.floor(now / 1000 / totp.period) + delta;
}

// A real hash to compare with when the name is unknown: the answer takes as long as for a wrong password.
let decoyHash: Promise<string> | undefined;

export interface LoginResult {
  session: Session;
  token: string;
  account: AccountTable;
}

/**
 * Signs in: the lock is checked before the password; a wrong password (or
 * name, or second-factor code) counts against the name and the address, and
 * the answer is the same for an unknown name and a wrong password.
 */
export async function login(
  deps: HubDeps,
  input: { name: string; password: string; totp?: string | undefined },
  address: string | null,
): Promise<LoginResult> {
  const keys = [throttleKey('account', input.name), ...(address ? [throttleKey('address', address)] : [])];
  await assertNotLocked(deps, keys);
  const row = await deps.store.db.selectFrom('accounts').selectAll().where('name', '=', input.name).executeTakeFirst();
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'), deps.config.auth.scryptCost);
  const passwordOk = await verifyPassword(input.password, row?.password_hash ?? (await decoyHash));
  const fail = async (code: string, message: string): Promise<never> => {
    await recordFailure(deps, [
      { key: keys[0]!, threshold: deps.config.auth.accountFailures },
      ...(keys[1] ? [{ key: keys[1], threshold: deps.config.auth.addressFailures }] : []),
    ]);
    throw new AppError(code, message);
  };
  if (!row || !passwordOk || row.disabled_at !== null)
    return fail('SIGN_IN_FAILED', 'The name or the password is wrong (or the account is disabled).');
  let step: number | null = null;
  if (row.totp_enabled_at !== null && row.totp_secret !== null) {
    if (input.totp === undefined)
      throw new AppError('SECOND_FACTOR_REQUIRED', 'This account signs in with a code from its authenticator app too: send it as "totp".');
    step = totpStep(deps, row, openTotpSecret(deps.keyring, row.id, row.totp_secret), input.totp);
    if (step === null || (row.totp_last_step !== null && step <= row.totp_last_step))
      return fail('SIGN_IN_FAILED', 'The authenticator code is wrong or was already used: wait for the next one.');
  }
  const token = sessionToken();
  const now = nowIso(deps);
  const session: SessionTable = {
    id: newId(),
    token_hash: sha256(token),
    account_id: row.id,
    csrf_token: randomBytes(32).toString('base64url'),
    address,
    created_at: now,
    last_seen_at: now,
    expires_at: isoIn(deps, deps.config.auth.sessionMaxMs),
    ended_at: null,
  };
  await deps.store.tx(async (trx) => {
    await trx.insertInto('sessions').values(session).execute();
    await trx.deleteFrom('auth_throttle').where('key', '=', keys[0]!).execute();
    if (step !== null) await trx.updateTable('accounts').set({ totp_last_step: step }).where('id', '=', row.id).execute();
  });
  return { session: toSession(deps, row, session), token, account: row };
}

const unauthorized = (message: string): AppError => new AppError('UNAUTHORIZED', message);

/** The account behind a session cookie; an ended, idle or expired session is refused (and ended). */
export async function authenticateSession(deps: HubDeps, token: string): Promise<Principal> {
  const db = deps.store.db;
  const s = await db.selectFrom('sessions').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirst();
  if (!s || s.ended_at !== null) throw unauthorized('You are signed out: sign in again.');
  const now = deps.clock.now();
  if (now >= Date.parse(s.expires_at) || now >= Date.parse(s.last_seen_at) + deps.config.auth.sessionIdleMs) {
    await db
      .updateTable('sessions')
      .set({ ended_at: new Date(now).toISOString() })
      .where('id', '=', s.id)
      .execute();
    throw unauthorized('Your session has expired: sign in again.');
  }
  const account = await db.selectFrom('accounts').selectAll().where('id', '=', s.account_id).executeTakeFirstOrThrow();
  if (account.disabled_at !== null) throw unauthorized('This account is disabled.');
  // Seen-at to the second is enough for the idle expiry; writing it on every request is not needed.
  if (now - Date.parse(s.last_seen_at) >= 1000) {
    const seen = new Date(now).toISOString();
    await db.updateTable('sessions').set({ last_seen_at: seen }).where('id', '=', s.id).execute();
    s.last_seen_at = seen;
  }
  return { account, session: s, apiKey: null };
}

export const isApiKey = (token: string): boolean => token.startsWith('hk_');

/** The account behind an API key; a revoked key or a disabled account is refused. Last use is recorded to the minute. */
export async function authenticateApiKey(deps: HubDeps, key: string): Promise<Principal> {
  const db = deps.store.db;
  const k = await db.selectFrom('api_keys').selectAll().where('key_hash', '=', sha256(key)).executeTakeFirst();
  if (!k || k.revoked_at !== null) throw unauthorized('This API key is not valid (unknown or revoked).');
  const account = await db.selectFrom('accounts').selectAll().where('id', '=', k.account_id).executeTakeFirstOrThrow();
  if (account.disabled_at !== null) throw unauthorized('The account of this API key is disabled.');
  const now = deps.clock.now();
  if (k.last_used_at === null || now - Date.parse(k.last_used_at) >= 60_000) {
    await db
      .updateTable('api_keys')
      .set({ last_used_at: new Date(now).toISOString() })
      .where('id', '=', k.id)
      .execute();
  }
  return { account, session: null, apiKey: { id: k.id, name: k.name } };
}

export function currentSession(deps: HubDeps, p: Principal): Session {
  if (!p.session) throw new AppError('SESSION_REQUIRED', 'This needs a signed-in session, not an API key.');
  return toSession(deps, p.account, p.session);
}

export async function logout(deps: HubDeps, p: Principal, everywhere: boolean): Promise<{ ok: true; sessionsEnded: number }> {
  const s = p.session;
  if (!s) throw new AppError('SESSION_REQUIRED', 'This needs a signed-in session, not an API key.');
  const now = nowIso(deps);
  const n = await deps.store.tx(async (trx) => {
    if (everywhere) return endSessions(trx, p.account.id, now);
    const r = await trx
      .updateTable('sessions')
      .set({ ended_at: now })
      .where('id', '=', s.id)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  });
  return { ok: true, sessionsEnded: n };
}

/** Changes the password (the current one is asked again); the account's other sessions end. */
export async function changePassword(deps: HubDeps, p: Principal, currentPassword: string, newPassword: string): Promise<Session> {
  const s = p.session;
  if (!s) throw new AppError('SESSION_REQUIRED', 'This needs a signed-in session, not an API key.');
  if (!(await verifyPassword(currentPassword, p.account.password_hash)))
    throw new AppError('PASSWORD_WRONG', 'The current password is wrong.');
  if (newPassword === currentPassword) throw new AppError('PASSWORD_UNCHANGED', 'Choose a new password that differs from the current one.');
  if (newPassword.toLowerCase().includes(p.account.name.toLowerCase()))
    throw new AppError('PASSWORD_WEAK', 'The password must not contain the account name.');
  const hash = await hashPassword(newPassword, deps.config.auth.scryptCost);
  const now = nowIso(deps);
  await deps.store.tx(async (trx) => {
    await trx
      .updateTable('accounts')
      .set({ password_hash: hash, must_change_password: 0, updated_at: now })
      .where('id', '=', p.account.id)
      .execute();
    await endSessions(trx, p.account.id, now, s.id);
  });
  return toSession(deps, { ...p.account, password_hash: hash, must_change_password: 0 }, s);
}

/** Starts setting up the second factor: a fresh secret, turned on once a code from it is confirmed. */
export async function setupTotp(deps: HubDeps, p: Principal): Promise<{ secret: string; uri: string }> {
  if (!p.session) throw new AppError('SESSION_REQUIRED', 'This needs a signed-in session, not an API key.');
  if (p.account.totp_enabled_at !== null)
    throw new AppError('TOTP_ALREADY_ON', 'The second factor is already on; a platform account can reset it with a password reset.');
  const secret = newTotpSecret();
  await deps.store.db
    .updateTable('accounts')
    .set({ totp_secret: sealTotpSecret(deps.keyring, p.account.id, secret), updated_at: nowIso(deps) })
    .where('id', '=', p.account.id)
    .execute();
  return { secret, uri: totpFor(p.account, secret).toString() };
}

export async function confirmTotp(deps: HubDeps, p: Principal, code: string): Promise<Session> {
  const s = p.session;
  if (!s) throw new AppError('SESSION_REQUIRED', 'This needs a signed-in session, not an API key.');
  const a = p.account;
  if (a.totp_enabled_at !== null) throw new AppError('TOTP_ALREADY_ON', 'The second factor is already on.');
  if (a.totp_secret === null) throw new AppError('TOTP_NOT_STARTED', 'Start the set-up first (POST /v1/account/totp).');
  const step = totpStep(deps, a, openTotpSecret(deps.keyring, a.id, a.totp_secret), code);
  if (step === null) throw new AppError('TOTP_WRONG', 'That code does not match: check the clock of the device and try the next code.');
  const now = nowIso(deps);
  await deps.store.db
    .updateTable('accounts')
    .set({ totp_enabled_at: now, totp_last_step: step, updated_at: now })
    .where('id', '=', a.id)
    .execute();
  return toSession(deps, { ...a, totp_enabled_at: now, totp_last_step: step }, s);
}

/** A code of the account's authenticator now (tests, and the demo's platform account). */
export const totpNow = (secret: string, at: number): string => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: at });

// ---------- API keys ----------

const toApiKey = (k: ApiKeyTable): ApiKey => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  createdAt: k.created_at,
  lastUsedAt: k.last_used_at,
  revokedAt: k.revoked_at,
});

/** A named key for scripts, acting with the account's role; the key is answered once and kept as its hash. */
export async function createApiKey(deps: HubDeps, accountIdOrName: string, name: string): Promise<{ apiKey: ApiKey; key: string }> {
  const account = await accountRow(deps, accountIdOrName);
  if (account.disabled_at !== null) throw new AppError('ACCOUNT_DISABLED', `Account "${account.name}" is disabled.`);
  const key = `hk_${randomBytes(32).toString('base64url')}`;
  const row: ApiKeyTable = {
    id: newId(),
    account_id: account.id,
    name,
    prefix: key.slice(0, 10),
    key_hash: sha256(key),
    created_at: nowIso(deps),
    last_used_at: null,
    revoked_at: null,
  };
  await deps.store.db.insertInto('api_keys').values(row).execute();
  return { apiKey: toApiKey(row), key };
}

export async function listApiKeys(deps: HubDeps, accountId: string): Promise<{ apiKeys: ApiKey[] }> {
  const rows = await deps.store.db
    .selectFrom('api_keys')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return { apiKeys: rows.map(toApiKey) };
}

export async function revokeApiKey(deps: HubDeps, accountId: string, keyId: string): Promise<ApiKey> {
  return deps.store.tx(async (trx) => {
    const k = await trx.selectFrom('api_keys').selectAll().where('id', '=', keyId).where('account_id', '=', accountId).executeTakeFirst();
    if (!k) throw new AppError('API_KEY_NOT_FOUND', `This account has no API key ${keyId}.`, { apiKeyId: keyId });
    if (k.revoked_at !== null) return toApiKey(k);
    const now = nowIso(deps);
    await trx.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', keyId).execute();
    return toApiKey({ ...k, revoked_at: now });
  });
}
