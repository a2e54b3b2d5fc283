/**
 * Station <-> hub sync payloads (ARCHITECTURE.md "Sync"). The station's sync
 * client is written against these:
 *
 * 1. `enroll`: trade the one-time enrollment code for a station token, once.
 *    Every later request carries `Authorization: Bearer <token>`.
 * 2. `pull`: send the last `cursor` you stored (null the first time); store the
 *    licenses, then the returned `cursor`; repeat while `hasMore`. A page is
 *    idempotent: sending the same cursor again returns the same licenses, so an
 *    interrupted pull resumes from the last stored cursor. Licenses handed to a
 *    station are leased to it and never to another station.
 * 3. `push`: send outbox items (1..200), each with its own idempotency key
 *    (any unique string the station keeps with the item; a UUID is fine). The
 *    hub applies each item exactly once and answers one outcome per item, in
 *    order. Sending the same key again returns the stored outcome with
 *    `replayed: true`, never a second effect. An item is `rejected` with a stable
 *    `code` and a plain-words `reason` to show the supervisor. With `auditHead`
 *    (its newest audit entry) the station lets the hub notice a vault restored
 *    from an older copy: the whole push is refused with STATION_ROLLED_BACK.
 */
import { z } from 'zod';
import { authkeySchema, macSchema, pidSchema, uuidSchema } from '../license';
import { credentialStateSchema, deliveryModeSchema, idSchema, isoTimeSchema, licenseKindSchema } from './schemas';
import { stationSupervisorNameSchema } from './accounts';

// ---------- enroll ----------

export const enrollRequestSchema = z.strictObject({
  code: z.string().trim().min(6).max(64),
  /** Free text the station reports about itself (host name, app version), for the hub's reports. */
  hostname: z.string().max(120).optional(),
});
export type EnrollRequest = z.infer<typeof enrollRequestSchema>;

export const enrollResponseSchema = z.object({
  stationId: idSchema,
  stationName: z.string(),
  factoryId: idSchema,
  lineId: idSchema,
  /** Shown once; the hub stores only its hash. Send as `Authorization: Bearer <token>`. */
  token: z.string(),
});
export type EnrollResponse = z.infer<typeof enrollResponseSchema>;

export const stationSelfSchema = z.object({ stationId: idSchema, stationName: z.string(), factoryId: idSchema, lineId: idSchema });
export type StationSelf = z.infer<typeof stationSelfSchema>;

// ---------- pull ----------

/** Opaque to the station: store it and send it back. */
export const cursorSchema = z.string().regex(/^c1\.\d{1,15}\.[0-9a-z]{0,20}$/, 'not a cursor this hub issued');
export type Cursor = z.infer<typeof cursorSchema>;

/** What a station tells the hub about itself on each pull and push (the hub console's fleet view shows it). */
export const stationStatusSchema = z.strictObject({
  /** Items in its outbox waiting to be pushed. */
  outbox: z.number().int().min(0).max(100_000_000),
  /** Licenses it holds as suspect (a burn whose outcome is unknown). */
  suspects: z.number().int().min(0).max(100_000_000),
});
export type StationStatus = z.infer<typeof stationStatusSchema>;

export const pullRequestSchema = z.strictObject({
  cursor: cursorSchema.nullable(),
  limit: z.number().int().min(1).max(5000).default(1000),
  status: stationStatusSchema.optional(),
});
export type PullRequest = z.input<typeof pullRequestSchema>;

/** A group (credential) as a station sees it. */
export const stationGroupSchema = z.object({
  id: idSchema,
  pid: pidSchema,
  productName: z.string(),
  deliveryMode: deliveryModeSchema,
  state: credentialStateSchema,
  /** False while an update is under review, before a customer's credential is confirmed, or once the list was generated: burn nothing from it. */
  usable: z.boolean(),
  purchased: z.number().int(),
  free: z.number().int(),
  firmwareKey: z.string(),
  chip: z.string(),
  parentId: idSchema.nullable(),
  lineId: idSchema.nullable(),
  stationId: idSchema.nullable(),
  /** False when the group was moved away: burn nothing more from it; report or release what you hold. */
  assignedToYou: z.boolean(),
});
export type StationGroup = z.infer<typeof stationGroupSchema>;

export const stationLicenseSchema = z.object({
  uuid: uuidSchema,
  authkey: authkeySchema,
  mac: macSchema.nullable(),
  credentialId: idSchema,
  kind: licenseKindSchema,
});
export type StationLicense = z.infer<typeof stationLicenseSchema>;

/**
 * Who works at the station's factory, from its factory accounts (sent on the last page of a pull): the
 * factory's lines, operators (sign on with the number or the badge) and supervisors with the salted scrypt
 * hash of their station PIN (`scrypt$N$r$p$salt$hash`; never the PIN). A station keeps the last list it got.
 */
export const stationPeopleSchema = z.object({
  lines: z.array(z.object({ id: idSchema, name: z.string() })),
  operators: z.array(z.object({ accountId: idSchema, name: z.string(), number: z.string(), badge: z.string().nullable() })),
  supervisors: z.array(z.object({ accountId: idSchema, name: z.string(), pinHash: z.string() })),
});
export type StationPeople = z.infer<typeof stationPeopleSchema>;

export const pullResponseSchema = z.object({
  /**
   * Every group assigned to the station (its state and assignment now), plus every group the station still holds
   * unused licenses of, on every page: one moved away comes with `assignedToYou: false` until its licenses are
   * burned, spoiled or released (this page's licenses are always among them).
   */
  groups: z.array(stationGroupSchema),
  licenses: z.array(stationLicenseSchema),
  cursor: cursorSchema.nullable(),
  hasMore: z.boolean(),
  serverTime: isoTimeSchema,
  /** On the last page (hasMore false); an older hub sends none. */
  people: stationPeopleSchema.optional(),
});
export type PullResponse = z.infer<typeof pullResponseSchema>;

// ---------- push ----------

export const idempotencyKeySchema = z.string().min(8).max(100);

export const burnItemSchema = z.strictObject({
  kind: z.literal('burn'),
  key: idempotencyKeySchema,
  uuid: uuidSchema,
  burnedAt: isoTimeSchema,
  /** MAC the module reported, if any. */
  mac: macSchema.optional(),
});
export const spoiledItemSchema = z.strictObject({
  kind: z.literal('spoiled'),
  key: idempotencyKeySchema,
  uuid: uuidSchema,
  at: isoTimeSchema,
  reason: z.string().min(1).max(200),
});
/**
 * A license the station set aside before sending any byte of it: these modules cannot take it
 * (a uuid length the protocol refuses, a PID the firmware needs and the group lacks). Not spoiled:
 * the hub keeps it out of every pull, with the reason.
 */
export const rejectedItemSchema = z.strictObject({
  kind: z.literal('rejected'),
  key: idempotencyKeySchema,
  uuid: uuidSchema,
  at: isoTimeSchema,
  reason: z.string().min(1).max(200),
});
/** A supervisor set the group's product PID at the station (also offline). */
export const setPidItemSchema = z.strictObject({
  kind: z.literal('set_pid'),
  key: idempotencyKeySchema,
  credentialId: idSchema,
  pid: pidSchema,
  at: isoTimeSchema,
});
/** Give back licenses the station holds and will not burn (e.g. after its group was moved away). */
export const releaseItemSchema = z.strictObject({
  kind: z.literal('release'),
  key: idempotencyKeySchema,
  uuids: z.array(uuidSchema).min(1).max(10_000),
});
/** Offline split by a supervisor: the named licenses (held by this station) become a new group with the id the station chose. */
export const splitItemSchema = z.strictObject({
  kind: z.literal('split'),
  key: idempotencyKeySchema,
  /** The supervisor who did it at the station (the hub's audit names them). */
  supervisor: stationSupervisorNameSchema.optional(),
  credentialId: idSchema,
  newCredentialId: idSchema,
  uuids: z.array(uuidSchema).min(1).max(100_000),
  at: isoTimeSchema,
});
/** Offline reassignment of a group to another station of the same factory (or back to this one). */
export const reassignItemSchema = z.strictObject({
  kind: z.literal('reassign'),
  key: idempotencyKeySchema,
  /** The supervisor who did it at the station (the hub's audit names them). */
  supervisor: stationSupervisorNameSchema.optional(),
  credentialId: idSchema,
  stationId: idSchema,
  at: isoTimeSchema,
});

/**
 * Transfer bundle, source end: the station sent these licenses (held by it) to
 * another station in an encrypted bundle file. They stay leased to it until
 * the target claims them with `transfer_in`, so no other station can get them.
 */
export const transferOutItemSchema = z.strictObject({
  kind: z.literal('transfer_out'),
  key: idempotencyKeySchema,
  /** The supervisor who did it at the station (the hub's audit names them). */
  supervisor: stationSupervisorNameSchema.optional(),
  bundleId: idSchema,
  credentialId: idSchema,
  uuids: z.array(uuidSchema).min(1).max(100_000),
  at: isoTimeSchema,
});
/** Transfer bundle, target end: the station imported a bundle made by `sourceStationId`; the licenses become its own, unless they were used meanwhile. */
export const transferInItemSchema = z.strictObject({
  kind: z.literal('transfer_in'),
  key: idempotencyKeySchema,
  /** The supervisor who did it at the station (the hub's audit names them). */
  supervisor: stationSupervisorNameSchema.optional(),
  bundleId: idSchema,
  sourceStationId: idSchema,
  credentialId: idSchema,
  uuids: z.array(uuidSchema).min(1).max(100_000),
  at: isoTimeSchema,
});

export const pushItemSchema = z.discriminatedUnion('kind', [
  burnItemSchema,
  spoiledItemSchema,
  rejectedItemSchema,
  releaseItemSchema,
  setPidItemSchema,
  splitItemSchema,
  reassignItemSchema,
  transferOutItemSchema,
  transferInItemSchema,
]);
export type PushItem = z.infer<typeof pushItemSchema>;
export type PushItemKind = PushItem['kind'];

/**
 * The station's audit head when it sends the push: the sequence of its newest audit entry and that entry's hash.
 * The hub keeps the newest one each station reported and refuses a push whose head is older (or the same
 * sequence with another hash): the station's vault was rolled back (STATION_ROLLED_BACK).
 */
export const stationAuditHeadSchema = z.strictObject({
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex'),
});
export type StationAuditHead = z.infer<typeof stationAuditHeadSchema>;

export const pushRequestSchema = z.strictObject({
  items: z.array(pushItemSchema).min(1).max(200),
  status: stationStatusSchema.optional(),
  auditHead: stationAuditHeadSchema.optional(),
});
export type PushRequest = z.infer<typeof pushRequestSchema>;

export const pushOutcomeSchema = z.object({
  key: idempotencyKeySchema,
  kind: z.enum(['burn', 'spoiled', 'rejected', 'release', 'set_pid', 'split', 'reassign', 'transfer_out', 'transfer_in']),
  status: z.enum(['applied', 'rejected']),
  /** Stable reason code when rejected, e.g. LICENSE_NOT_HELD, ALREADY_BURNED, CREDENTIAL_UNDER_REVIEW. */
  code: z.string().optional(),
  reason: z.string().optional(),
  /** True when this key was seen before: this is the stored answer, nothing was applied again. */
  replayed: z.boolean(),
});
export type PushOutcome = z.infer<typeof pushOutcomeSchema>;

export const pushResponseSchema = z.object({ outcomes: z.array(pushOutcomeSchema) });
export type PushResponse = z.infer<typeof pushResponseSchema>;
