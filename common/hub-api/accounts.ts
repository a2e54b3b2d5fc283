/**
 * People on the hub: accounts with roles, sign-in, API keys, and the audit log
 * (who did what). Roles, ARCHITECTURE.md "Identity":
 * - `platform` approves or rejects product changes and records payments; manages accounts;
 * - `owner` the brand's credential manager (credentials, split, change product, download, third-party resources, confirming customer's credentials);
 * - `factory` a factory's manager, within its factory (lines, stations, enrollment, revocation, assignment);
 * - `auditor` reads everything, changes nothing.
 */
import { z } from 'zod';
import { idSchema, isoTimeSchema } from './schemas';

export const roleSchema = z.enum(['platform', 'owner', 'factory', 'auditor']);
export type Role = z.infer<typeof roleSchema>;
export const roles: readonly Role[] = roleSchema.options;

/** The station names the supervisor who acts at it in this header (a name or number, as the station knows them). */
export const supervisorHeader = 'x-station-supervisor';
/** A supervisor's name as stations send it: up to 120 letters (any script), digits, spaces and . _ @ # -. */
export const stationSupervisorNameSchema = z
  .string()
  .min(1)
  .max(120)
  .regex(/^[\p{L}\p{M}\p{N} ._@#-]+$/u, 'letters, digits, spaces and . _ @ # - only');
/** An HTTP header carries bytes, not Chinese: the name travels percent-encoded (UTF-8), and plain ASCII names read the same either way. */
export const encodeSupervisorHeader = (name: string): string => encodeURIComponent(name);
/** The name in the header, or null when it is not a supervisor's name. */
export function decodeSupervisorHeader(value: string): string | null {
  let name: string;
  try {
    name = decodeURIComponent(value);
  } catch {
    return null;
  }
  return stationSupervisorNameSchema.safeParse(name).success ? name : null;
}
/** A signed-in browser sends its session's CSRF token in this header with every state-changing request. */
export const csrfHeader = 'x-csrf-token';
/** The session cookie (httpOnly, SameSite=Strict, Secure under TLS). */
export const sessionCookie = 'hub_session';

export const accountNameSchema = z
  .string()
  .trim()
  .min(2)
  .max(64)
  .regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only');
export const passwordSchema = z.string().min(12, 'at least 12 characters').max(256);
export const emailSchema = z.email().max(200);
export const phoneSchema = z.string().regex(/^\+[0-9]{6,15}$/, 'international form: + and 6 to 15 digits');
/** A phone number as people write it ("+86 138-0013-8000"): spaces and dashes dropped, then the international form. */
export const writtenPhoneSchema = z
  .string()
  .transform((s) => s.replace(/[\s-]/g, ''))
  .pipe(phoneSchema);

export const accountSchema = z.object({
  id: idSchema,
  name: z.string(),
  role: roleSchema,
  /** The factory a `factory` account manages; null for the other roles. */
  factoryId: idSchema.nullable(),
  email: z.string().nullable(),
  emailVerified: z.boolean(),
  phone: z.string().nullable(),
  phoneVerified: z.boolean(),
  totpEnabled: z.boolean(),
  mustChangePassword: z.boolean(),
  disabled: z.boolean(),
  createdAt: isoTimeSchema,
  /** At its factory's stations (a factory account): signs on as an operator with this number or badge. */
  operatorNumber: z.string().nullable(),
  badge: z.string().nullable(),
  /** A station PIN is set: a supervisor at its factory's stations (only its hash is kept, and sent to those stations). */
  stationPin: z.boolean(),
});
export type Account = z.infer<typeof accountSchema>;
export const accountListSchema = z.object({ accounts: z.array(accountSchema) });

const factoryScope = <T extends z.ZodType<{ role: Role; factoryId?: string | null | undefined }>>(s: T) =>
  s.refine((v) => (v.role === 'factory') === (v.factoryId !== undefined && v.factoryId !== null), {
    message: 'a factory account names its factory (factoryId); the other roles name none',
    path: ['factoryId'],
  });

export const accountInputSchema = factoryScope(
  z.strictObject({
    name: accountNameSchema,
    role: roleSchema,
    factoryId: idSchema.nullable().optional(),
    email: emailSchema.optional(),
    phone: phoneSchema.optional(),
  }),
);
export type AccountInput = z.input<typeof accountInputSchema>;

export const operatorNumberSchema = z
  .string()
  .trim()
  .regex(/^[0-9A-Za-z-]{1,16}$/, 'an operator number is 1 to 16 letters, digits or dashes');
export const badgeSchema = z
  .string()
  .trim()
  .regex(/^[\x21-\x7e]{4,64}$/, 'a badge is 4 to 64 printable characters without spaces');
export const stationPinSchema = z.string().regex(/^[0-9]{4,8}$/, 'a station PIN is 4 to 8 digits');

/** Who a factory account is at its factory's stations: operator number and badge (null clears one), and whether its station PIN is removed. */
export const stationAccessInputSchema = z.strictObject({
  operatorNumber: operatorNumberSchema.nullable().optional(),
  badge: badgeSchema.nullable().optional(),
  /** Removes the account's station PIN: it is no supervisor at the stations after their next pull. */
  clearStationPin: z.literal(true).optional(),
});
export type StationAccessInput = z.input<typeof stationAccessInputSchema>;
/** The account sets its own station PIN; the hub keeps a salted scrypt hash and sends only that to its factory's stations. */
export const stationPinInputSchema = z.strictObject({ pin: stationPinSchema });

export const setRoleInputSchema = factoryScope(z.strictObject({ role: roleSchema, factoryId: idSchema.nullable().optional() }));
export type SetRoleInput = z.input<typeof setRoleInputSchema>;

/** A new or reset account: the one-time password is shown once; it must be changed at the first sign-in. */
export const oneTimePasswordSchema = z.object({ account: accountSchema, oneTimePassword: z.string() });

export const loginInputSchema = z.strictObject({
  name: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
  /** The 6-digit code of the authenticator app, for an account with a second factor. */
  totp: z
    .string()
    .regex(/^[0-9]{6}$/)
    .optional(),
});

export const sessionSchema = z.object({
  account: accountSchema,
  /** Send it in the `x-csrf-token` header with every POST made with the session cookie. */
  csrfToken: z.string(),
  expiresAt: isoTimeSchema,
  idleExpiresAt: isoTimeSchema,
  /** What must be done before anything else: change the one-time password, or (platform) set up the second factor. */
  pending: z.array(z.enum(['change_password', 'setup_totp'])),
});
export type Session = z.infer<typeof sessionSchema>;

export const changePasswordInputSchema = z.strictObject({ currentPassword: z.string().min(1).max(256), newPassword: passwordSchema });
export const totpSetupSchema = z.object({ secret: z.string(), uri: z.string() });
export const totpConfirmInputSchema = z.strictObject({ code: z.string().regex(/^[0-9]{6}$/) });
export const signedOutSchema = z.object({ ok: z.literal(true), sessionsEnded: z.number().int() });

export const apiKeyInputSchema = z.strictObject({ name: z.string().trim().min(1).max(80) });
export const apiKeySchema = z.object({
  id: idSchema,
  name: z.string(),
  /** The first characters of the key, to tell keys apart; the key itself is shown once. */
  prefix: z.string(),
  createdAt: isoTimeSchema,
  lastUsedAt: isoTimeSchema.nullable(),
  revokedAt: isoTimeSchema.nullable(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;
export const apiKeyListSchema = z.object({ apiKeys: z.array(apiKeySchema) });
/** The key (`hk_` + 256 random bits), shown once: the hub keeps its hash only. */
export const newApiKeySchema = z.object({ apiKey: apiKeySchema, key: z.string() });

// ---------- audit ----------

export const actorKindSchema = z.enum(['account', 'api_key', 'station', 'cli', 'system', 'anonymous']);
export type ActorKind = z.infer<typeof actorKindSchema>;

/** Who acted: an account (signed in, or through one of its API keys), a station (with the supervisor it named), the `hub` command, or the hub itself. */
export const actorSchema = z.object({
  kind: actorKindSchema,
  /** Account id or station id. */
  id: z.string().nullable(),
  name: z.string().nullable(),
  role: roleSchema.nullable(),
  /** The API key's id, or the supervisor a station named. */
  via: z.string().nullable(),
});
export type Actor = z.infer<typeof actorSchema>;

export const auditEntrySchema = z.object({
  seq: z.number().int(),
  at: isoTimeSchema,
  actor: actorSchema,
  address: z.string().nullable(),
  /** What was asked: a route name (`split`, `approveUpdate`, ...), `login`, or a `hub` command. */
  kind: z.string(),
  credentialId: z.string().nullable(),
  /** The id in the path, when there is one. */
  target: z.string().nullable(),
  /** `ok`, or the error code of the refusal. */
  outcome: z.string(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditQuerySchema = z.strictObject({
  /** Account, station or API key id, or an account / station name. */
  actor: z.string().min(1).max(120).optional(),
  credential: idSchema.optional(),
  kind: z.string().min(1).max(64).optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  afterSeq: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});
export type AuditQuery = z.input<typeof auditQuerySchema>;
export const auditListSchema = z.object({ entries: z.array(auditEntrySchema) });
/** The same entries as CSV (`text/csv`, header line first). */
export const auditCsvSchema = z.string();
export const auditCsvColumns = [
  'seq',
  'at',
  'actor_kind',
  'actor_id',
  'actor_name',
  'role',
  'via',
  'address',
  'kind',
  'credential_id',
  'target',
  'outcome',
  'details',
  'hash',
] as const;

export const auditVerificationSchema = z.union([
  z.object({ ok: z.literal(true), entries: z.number().int(), headHash: z.string() }),
  z.object({ ok: z.literal(false), entries: z.number().int(), brokenAt: z.number().int(), reason: z.string() }),
]);
export type AuditVerification = z.infer<typeof auditVerificationSchema>;

// ---------- contacts ----------

/** Sets the account's email or phone (unverified) and sends a code to it; the contact counts once the code came back. */
export const contactInputSchema = z.discriminatedUnion('channel', [
  z.strictObject({ channel: z.literal('email'), destination: emailSchema }),
  z.strictObject({ channel: z.literal('sms'), destination: phoneSchema }),
]);
export type ContactInput = z.infer<typeof contactInputSchema>;
export const contactCodeSchema = z.object({ codeId: idSchema, expiresAt: isoTimeSchema, sentTo: z.string() });
export const contactVerifyInputSchema = z.strictObject({ codeId: idSchema, code: z.string().regex(/^\d{6}$/, 'the code has 6 digits') });
