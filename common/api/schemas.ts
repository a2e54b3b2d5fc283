import { z } from 'zod';
import { allowedActionSchema } from '../console-api';
import { uuidSchema, macSchema, pidSchema } from '../license';
import { protocolIds } from '../protocols';

/**
 * What the renderer may see of the station. Every object here is what crosses
 * from main to the UI: authkeys, tokens, passphrases and PINs never appear in
 * an output (test/unit/app/contract.test.ts walks every output schema).
 */

export const errorInfoSchema = z.object({ code: z.string(), message: z.string() });
export type ErrorInfoOut = z.infer<typeof errorInfoSchema>;

export const idSchema = z.string().trim().min(1, 'an id is required').max(128, 'an id is at most 128 characters');
export const isoTimeSchema = z.string().min(1);
export const languageSchema = z.enum(['en', 'zh-CN']);
export type Language = z.infer<typeof languageSchema>;

// ---- products and credential groups (ARCHITECTURE.md "Domain") ----

export const credentialStateSchema = z.enum(['valid', 'confirming_update', 'being_paid', 'updated', 'list_generated']);
export type CredentialState = z.infer<typeof credentialStateSchema>;
export const ownerSchema = z.enum(['mine', 'customer']);
export const deliveryModeSchema = z.enum(['credential', 'credential_auth_only', 'license_list']);
export type DeliveryMode = z.infer<typeof deliveryModeSchema>;

export const productSchema = z.object({
  pid: pidSchema,
  name: z.string(),
  /** Price of one license in the smallest currency unit (cents). */
  priceCents: z.number().int().nonnegative(),
  features: z.object({ homekit: z.boolean(), findmy: z.boolean() }),
});
export type Product = z.infer<typeof productSchema>;

/** Left, burned, failed and suspect licenses of one group, as the operator sees them. */
/** A group's licenses: left + burned + suspect + rejected + void = total. Failed attempts are attempts, not licenses. */
export const groupCountsSchema = z.object({
  groupId: idSchema,
  total: z.number().int().nonnegative(),
  left: z.number().int().nonnegative(),
  burned: z.number().int().nonnegative(),
  suspect: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  void: z.number().int().nonnegative(),
  /** Burns that failed with nothing sent during this shift (since the station opened). */
  failedAttempts: z.number().int().nonnegative(),
});
export type GroupCounts = z.infer<typeof groupCountsSchema>;

export const groupSummarySchema = z.object({
  id: idSchema,
  name: z.string(),
  pid: pidSchema,
  productName: z.string(),
  owner: ownerSchema,
  deliveryMode: deliveryModeSchema,
  state: credentialStateSchema,
  purchased: z.number().int().nonnegative(),
  free: z.number().int().nonnegative(),
  parentId: idSchema.nullable(),
  /** True when the group came from a license replacement (no product change allowed). */
  fromReplacement: z.boolean(),
  assignment: z.object({ line: z.string().nullable(), slotIds: z.array(idSchema) }),
  counts: groupCountsSchema,
  /** Null when licenses may be burned from this group; else why not, in plain words. */
  blocked: errorInfoSchema.nullable(),
  /** What the group's product supports; null until the station has read the hub's products. */
  features: z.object({ homekit: z.boolean(), findmy: z.boolean() }).nullable(),
  /** What the supervisor may do with the group, each refusal with its reason (common/credential-actions.ts, the hub console's rule). */
  allowedActions: z.array(allowedActionSchema),
});
export type GroupSummary = z.infer<typeof groupSummarySchema>;

// ---- slots (issue 3 §4) ----

export const protocolSchema = z.enum(protocolIds);
export const burnStepSchema = z.enum(['connect', 'check', 'write', 'verify', 'finish']);
export type BurnStepOut = z.infer<typeof burnStepSchema>;
export const slotPhaseSchema = z.enum(['idle', 'waiting', 'burning', 'done', 'failed']);
export type SlotPhase = z.infer<typeof slotPhaseSchema>;

/** The codes a slot shows whatever its protocol: every driver's, and what can go wrong around a burn. */
export const stationFailureCodeSchema = z.enum([
  'TIMEOUT',
  'CHECKSUM',
  'REFUSED',
  'ALREADY_AUTHORIZED',
  'VERIFY_MISMATCH',
  'DISCONNECTED',
  'INVALID_LICENSE',
  'CANCELED',
  'DRIVER_INTERNAL',
  'NO_LICENSE_LEFT',
  'GROUP_BLOCKED',
  'LICENSE_DAMAGED',
  'LICENSES_REJECTED',
  'VAULT_BEHIND',
  'VAULT_DAMAGED',
  'DISK_FULL',
  'PORT_ERROR',
  'INTERNAL',
]);
export type StationFailureCodeOut = z.infer<typeof stationFailureCodeSchema>;
/**
 * A slot's failure code: one of stationFailureCodeSchema, or a code of its protocol's own (upper case,
 * from the protocol's folder, native/protocols/<name>/messages.ts), whose words come with `station.outcomeTexts`.
 */
export const burnFailureCodeSchema = z.string().regex(/^[A-Z][A-Z0-9_]*$/);
export type BurnFailureCodeOut = StationFailureCodeOut | (string & {});

const outcomeWordsSchema = z.object({ burnError: z.string().min(1), reason: z.string().min(1) });
/**
 * The words the screen needs from the registered protocols (main takes them from native/protocols'
 * registry; the renderer adds them to its dictionaries at start): the protocols a slot can speak, and
 * each protocol's own outcome codes with their words per language and their colour on the dashboard.
 */
export const outcomeTextsSchema = z.object({
  protocols: z.array(protocolSchema),
  outcomes: z.array(
    z.object({
      code: burnFailureCodeSchema,
      colour: z.string().regex(/^#[0-9a-fA-F]{6}$/),
      en: outcomeWordsSchema,
      'zh-CN': outcomeWordsSchema.extend({ error: z.string().min(1) }),
    }),
  ),
});
export type OutcomeTexts = z.infer<typeof outcomeTextsSchema>;

/** Why a running slot stopped by itself (GROUP_BLOCKED, NO_LICENSE_LEFT, LICENSE_DAMAGED, VAULT_BEHIND, VAULT_DAMAGED, DISK_FULL): an ErrorInfo whose code is a slot code. */
export const slotStopReasonSchema = errorInfoSchema.extend({ code: burnFailureCodeSchema });
export type SlotStopReason = z.infer<typeof slotStopReasonSchema>;

export const slotResultSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    uuid: uuidSchema,
    mac: macSchema.nullable(),
    serial: z.string().nullable(),
    at: isoTimeSchema,
    durationMs: z.number().nonnegative(),
  }),
  z.object({
    ok: z.literal(false),
    code: burnFailureCodeSchema,
    message: z.string(),
    step: burnStepSchema.nullable(),
    uuid: uuidSchema.nullable(),
    /** The license could not be released: a supervisor must read the module back or void it. */
    suspect: z.boolean(),
    at: isoTimeSchema,
  }),
]);
export type SlotResult = z.infer<typeof slotResultSchema>;

export const slotStateSchema = z.object({
  slotId: idSchema,
  /** The number printed on the jig (1-based). */
  number: z.number().int().positive(),
  /** The tty the slot opens now (where its programmer was last found). */
  port: z.string(),
  /** The stable key of the slot's programmer (vid:pid:serial, usb-port:<socket>, tty:<path>); null for a slot bound to a path. */
  programmer: z.string().nullable(),
  /** The slot's programmer is not plugged in: the tile says "Programmer missing", never Done, and the slot burns nothing. */
  programmerMissing: z.boolean(),
  protocol: protocolSchema,
  groupId: idSchema.nullable(),
  /** False while the programmer is unplugged. */
  connected: z.boolean(),
  running: z.boolean(),
  phase: slotPhaseSchema,
  step: burnStepSchema.nullable(),
  /** 0..1 within the current burn. */
  progress: z.number().min(0).max(1),
  /** The last burn's outcome; a port problem or a stop never replaces it (a suspect stays on the tile). */
  lastResult: slotResultSchema.nullable(),
  /** Why the slot stopped by itself, in plain words; null while running or when stopped by the operator. */
  stopReason: slotStopReasonSchema.nullable(),
  /** Why the port cannot be opened right now (the slot keeps trying), in plain words; null when it is open or the slot is stopped. */
  portProblem: z.string().nullable(),
  /** Serial number scanned for the next module on this slot (keyboard wedge). */
  pendingSerial: z.string().nullable(),
  burnedThisShift: z.number().int().nonnegative(),
  /** After a burn the module in the jig answers but cannot be read, and the jig was not seen empty: the slot cannot tell it from the one it burned and waits for Retry. */
  cannotTell: z.boolean(),
});
export type SlotState = z.infer<typeof slotStateSchema>;

/** A programmer plugged into the station, and the slot it belongs to (null: new, for a supervisor to assign). */
export const programmerSchema = z.object({
  /** Stable across unplug and replug: vid:pid:serial, else usb-port:<socket>, else tty:<path>. */
  key: z.string(),
  /** The tty it has now; null while it is unplugged. */
  port: z.string().nullable(),
  /** The model from the station's programmer table (e.g. "Silicon Labs CP210x"), when known. */
  model: z.string().nullable(),
  slotId: idSchema.nullable(),
  slotNumber: z.number().int().positive().nullable(),
  /** Its slot plays the programmer's DTR/RTS reset whenever it opens the port (jigs that wire the module's EN pin); false without a slot. */
  resetOnOpen: z.boolean(),
  /** Whether the station knows this programmer's reset sequence (its model is in the programmer table). */
  resetKnown: z.boolean(),
});
export type Programmer = z.infer<typeof programmerSchema>;

// ---- sync (issue 5) ----

export const syncStatusSchema = z.object({
  enrolled: z.boolean(),
  online: z.boolean(),
  syncing: z.boolean(),
  hubUrl: z.string().nullable(),
  lastSyncAt: isoTimeSchema.nullable(),
  outbox: z.number().int().nonnegative(),
  lastError: errorInfoSchema.nullable(),
});
export type SyncStatus = z.infer<typeof syncStatusSchema>;

const seqSchema = z.number().int().nonnegative();
/**
 * Whether the vault may be trusted to offer licenses: `rolled-back`, it is behind its own anchor (entry `vaultSeq`
 * of `anchoredSeq`, or another history: `diverged`); `hub-rolled-back`, the hub refused its push because it heard
 * of a newer state (entry `vaultSeq` of `hubSeq`). Either way nothing is offered until the newest copy is put back
 * or a supervisor reconciles with the hub. `message` is the station's words for it.
 */
export const vaultGuardSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('ok') }),
  z.object({ state: z.literal('rolled-back'), vaultSeq: seqSchema, anchoredSeq: seqSchema, diverged: z.boolean(), message: z.string() }),
  z.object({ state: z.literal('hub-rolled-back'), vaultSeq: seqSchema, hubSeq: seqSchema, message: z.string() }),
]);
export type VaultGuard = z.infer<typeof vaultGuardSchema>;

/** What reconciling with the hub did: the vault's licenses the hub holds as used up, now never offered again. */
export const reconcileResultSchema = z.object({
  burned: seqSchema,
  spoiled: seqSchema,
  rejected: seqSchema,
  /** Licenses the hub listed that this vault did not offer anyway. */
  unchanged: seqSchema,
  /** The entry the hub had last heard of from this station (null: none). */
  hubSeq: seqSchema.nullable(),
  /** The supervisor who reconciled. */
  by: z.string(),
});
export type ReconcileResult = z.infer<typeof reconcileResultSchema>;

export const offlineOutcomeSchema = z.object({
  id: idSchema,
  /** transfer_out / transfer_in: a transfer bundle exported here / imported here, settled by the hub when it hears of both ends. */
  kind: z.enum(['split', 'reassign', 'transfer_out', 'transfer_in']),
  summary: z.string(),
  groupId: idSchema,
  /** How many licenses it moved (split, bundle); null for a reassignment. */
  licenses: z.number().int().nonnegative().nullable(),
  status: z.enum(['pending', 'applied', 'rejected']),
  /** The hub's code when it refused the operation. */
  code: z.string().nullable(),
  reason: z.string().nullable(),
  /** What the station did about a rejection, e.g. "split undone, 200 licenses returned to group A". */
  localAction: z.string().nullable(),
  at: isoTimeSchema,
});
export type OfflineOutcome = z.infer<typeof offlineOutcomeSchema>;

/** A burn, spoiled license or give-back the hub refused, with its code and reason (kept for the supervisor; nothing is retried). */
export const refusedReportSchema = z.object({
  key: z.string(),
  kind: z.string(),
  uuid: z.string().nullable(),
  code: z.string(),
  reason: z.string(),
  at: isoTimeSchema,
});
export type RefusedReport = z.infer<typeof refusedReportSchema>;

/**
 * A transfer bundle just written to the export folder. `oneTimePassphrase` is the ONE
 * secret an output carries: the supervisor must read it off the screen once to open the
 * file at the target station; the station keeps no copy.
 */
export const bundleExportSchema = z.object({
  bundleId: idSchema,
  filePath: z.string(),
  licenses: z.number().int().positive(),
  oneTimePassphrase: z.string().regex(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){5}$/),
  group: groupSummarySchema,
});
export type BundleExport = z.infer<typeof bundleExportSchema>;

export const bundleImportSchema = z.object({
  bundleId: idSchema,
  licenses: z.number().int().positive(),
  sourceStationId: idSchema,
  group: groupSummarySchema,
});
export type BundleImport = z.infer<typeof bundleImportSchema>;

// ---- supervisor ----

export const updateRequestSchema = z.object({
  id: idSchema,
  groupId: idSchema,
  fromPid: pidSchema,
  targetPid: pidSchema,
  targetProductName: z.string(),
  deliveryMode: deliveryModeSchema,
  state: z.enum(['confirming_update', 'being_paid', 'updated', 'recalled', 'rejected']),
  /** Why the platform rejected the change, in its words (null unless rejected). */
  rejectionReason: z.string().nullable(),
  /** Positive when the new product costs more (must be paid on the hub first). */
  priceDifferenceCents: z.number().int(),
  createdAt: isoTimeSchema,
  updatedAt: isoTimeSchema,
});
export type UpdateRequest = z.infer<typeof updateRequestSchema>;

/** The currency of every price the hub names (products, price differences): amounts are its cents. */
export const PRICE_CURRENCY = 'USD';
/** The renderer takes only types from common/: this type pins its copy of the literal to PRICE_CURRENCY. */
export type PriceCurrency = typeof PRICE_CURRENCY;

/**
 * What a history entry is about, as facts the screen writes a sentence from in
 * its language (renderer/state/history-text.ts): names and amounts, never an id.
 */
export const historyFactsSchema = z.object({
  licenses: z.number().int().nonnegative().nullable(),
  purchased: z.number().int().nonnegative().nullable(),
  free: z.number().int().nonnegative().nullable(),
  /** Product names (the hub's, else the PID). */
  product: z.string().nullable(),
  fromProduct: z.string().nullable(),
  toProduct: z.string().nullable(),
  deliveryMode: deliveryModeSchema.nullable(),
  /** In cents of PRICE_CURRENCY. */
  amountCents: z.number().int().nullable(),
  /** Whose doing, or where the group went: this station, another station, the hub operator. */
  party: z.enum(['this_station', 'other_station', 'hub']).nullable(),
  /** HomeKit / Find My, for third-party resources. */
  kinds: z.array(z.enum(['homekit', 'findmy'])).nullable(),
  /** A local operation's state and, when the hub refused it, its code and words. */
  status: z.enum(['pending', 'applied', 'rejected']).nullable(),
  code: z.string().nullable(),
  reason: z.string().nullable(),
});
export type HistoryFacts = z.infer<typeof historyFactsSchema>;

export const historyEventSchema = z.enum([
  'created',
  'confirmed',
  'imported',
  'split',
  'created_by_split',
  'assigned',
  'downloaded',
  'list_generated',
  'third_party_job_started',
  'third_party_job_done',
  'transfer_out',
  'transfer_in',
  'update_requested',
  'update_approved',
  'update_paid',
  'update_recalled',
  'update_rejected',
  'updated',
  'local_split',
  'local_reassign',
  'local_transfer_out',
  'local_transfer_in',
  'other',
]);
export type HistoryEvent = z.infer<typeof historyEventSchema>;

export const historyEntrySchema = z.object({
  id: idSchema,
  groupId: idSchema,
  kind: z.enum([
    'created',
    'split',
    'change_product',
    'recall',
    'updated',
    'resources',
    'download',
    'reassign',
    'import',
    'void',
    'transfer',
  ]),
  /** The hub's event (or a local operation, `local_<kind>`); `other` for one this station does not know. */
  event: historyEventSchema,
  at: isoTimeSchema,
  facts: historyFactsSchema,
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export const suspectSchema = z.object({
  uuid: uuidSchema,
  groupId: idSchema,
  slotId: idSchema.nullable(),
  /** The number printed on that slot's jig, when the slot is still on this station. */
  slotNumber: z.number().int().positive().nullable(),
  since: isoTimeSchema,
  reason: z.string(),
  /** The module of the burn, as read before the write: only that module settles the suspect (put it back in the jig). */
  moduleMac: z.string().nullable(),
  /** The serial label scanned for that module, if any. */
  moduleSerial: z.string().nullable(),
});
export type Suspect = z.infer<typeof suspectSchema>;

export const jobProgressSchema = z.object({
  jobId: idSchema,
  kind: z.enum(['third_party_resources', 'import', 'report_export', 'download']),
  groupId: idSchema.nullable(),
  label: z.string(),
  /** Which third-party resources (the screen names the job in its language from this and the group). */
  resource: z.enum(['homekit', 'findmy']).optional(),
  /** 0..1 */
  progress: z.number().min(0).max(1),
  state: z.enum(['running', 'done', 'failed']),
  message: z.string().nullable(),
});
export type JobProgress = z.infer<typeof jobProgressSchema>;

export const importRowProblemSchema = z.object({
  line: z.number().int().positive(),
  column: z.string().nullable(),
  reason: z.string(),
});
export const importReportSchema = z.object({
  fileName: z.string(),
  /** All-or-nothing: false means nothing was imported. */
  imported: z.boolean(),
  groupId: idSchema.nullable(),
  rowsRead: z.number().int().nonnegative(),
  rowsImported: z.number().int().nonnegative(),
  problems: z.array(importRowProblemSchema),
});
export type ImportReport = z.infer<typeof importReportSchema>;

export const auditCheckSchema = z.object({
  ok: z.boolean(),
  entries: z.number().int().nonnegative(),
  /** Licenses checked against the chain; null when the chain itself is broken (they are not checked then). */
  licenses: z.number().int().nonnegative().nullable(),
  /** The first broken link, or the first license whose row disagrees with the chain (`uuid` set). */
  firstBroken: z.object({ seq: z.number().int().nonnegative(), reason: z.string(), uuid: z.string().nullable() }).nullable(),
  /** Entries written while the station's clock was behind the entry before ("clock went back"); the order is the sequence. */
  clockWentBack: z.number().int().nonnegative().default(0),
  checkedAt: isoTimeSchema,
});
export type AuditCheck = z.infer<typeof auditCheckSchema>;

// ---- people at the station ----

/** Where a person at the station comes from: the hub's factory accounts, the station's own list (kept by a supervisor), or the PIN set at first run. */
export const personSourceSchema = z.enum(['hub', 'station', 'shared']);
export const supervisorRefSchema = z.object({ id: z.string(), name: z.string(), source: personSourceSchema });
export type SupervisorRef = z.infer<typeof supervisorRefSchema>;
export const operatorRefSchema = z.object({ number: z.string(), name: z.string() });
export const operatorSchema = operatorRefSchema.extend({ hasBadge: z.boolean(), source: personSourceSchema });
export type Operator = z.infer<typeof operatorSchema>;

/** Who is signed on at the station (one operator at a time); idle sign-off after `idleMinutes` without a burn or a key (0: never). */
export const operatorSessionSchema = z.object({
  operator: operatorRefSchema.nullable(),
  since: isoTimeSchema.nullable(),
  idleMinutes: z.number().int().nonnegative(),
  /** Why the last operator was signed off by the station itself (idle), until someone signs on. */
  signedOff: z.enum(['idle']).nullable(),
});
export type OperatorSession = z.infer<typeof operatorSessionSchema>;

export const peopleSchema = z.object({
  operators: z.array(operatorSchema),
  supervisors: z.array(supervisorRefSchema),
  idleMinutes: z.number().int().nonnegative(),
  /** The factory's lines as the hub last sent them (a group is reassigned to one of these), and this station's. */
  lines: z.array(z.string()),
  stationLine: z.string().nullable(),
});
export type People = z.infer<typeof peopleSchema>;

export const operatorNumberInputSchema = z
  .string()
  .trim()
  .regex(/^[0-9A-Za-z-]{1,16}$/, 'an operator number is 1 to 16 letters, digits or dashes');
/**
 * A supervisor's name goes to the hub with their actions (x-station-supervisor, percent-encoded): letters of any
 * script (王芳), digits, spaces and . _ @ # -; trimmed, 2 to 64 characters.
 */
export const supervisorNameInputSchema = z
  .string()
  .trim()
  .min(2, 'a name has at least 2 characters')
  .max(64, 'a name has at most 64 characters')
  .regex(/^[\p{L}\p{M}\p{N} ._@#-]+$/u, "a supervisor's name may hold letters, digits, spaces and . _ @ # - only");

export const supervisorSessionSchema = z.object({
  active: z.boolean(),
  expiresAt: isoTimeSchema.nullable(),
  lockedUntil: isoTimeSchema.nullable(),
  attemptsLeft: z.number().int().nonnegative(),
  /** The supervisor signed in (named on every action they take). */
  supervisor: supervisorRefSchema.nullable(),
});
export type SupervisorSession = z.infer<typeof supervisorSessionSchema>;

// ---- reports ----

export const reportRangeSchema = z.enum(['shift', 'day']);
export const reasonCountSchema = z.object({ code: burnFailureCodeSchema, count: z.number().int().nonnegative() });
export const dashboardSchema = z.object({
  range: reportRangeSchema,
  from: isoTimeSchema,
  to: isoTimeSchema,
  burnsPerHour: z.array(
    z.object({
      hour: isoTimeSchema,
      verified: z.number().int().nonnegative(),
      failed: z.number().int().nonnegative(),
      suspect: z.number().int().nonnegative(),
    }),
  ),
  /** `number` is the slot's number on this station (null for a slot no longer in the layout; `label` then names it). */
  failuresBySlot: z.array(
    z.object({ slotId: idSchema, label: z.string(), number: z.number().int().positive().nullable(), reasons: z.array(reasonCountSchema) }),
  ),
  failuresByGroup: z.array(z.object({ groupId: idSchema, label: z.string(), reasons: z.array(reasonCountSchema) })),
  totals: z.object({
    verified: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    suspect: z.number().int().nonnegative(),
  }),
  /** The operator the figures are of (null: everyone), and who burned in the range, for the filter. */
  operator: z.string().nullable(),
  operators: z.array(operatorRefSchema),
});
export type Dashboard = z.infer<typeof dashboardSchema>;

// ---- first run and settings ----

export const keyProtectionInputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('os_keychain') }),
  z.object({
    kind: z.literal('passphrase'),
    passphrase: z.string().min(10, 'the station passphrase needs at least 10 characters').max(256),
  }),
]);
export const supervisorPinInputSchema = z.string().regex(/^[0-9]{4,8}$/, 'the supervisor PIN is 4 to 8 digits');

export const setupStateSchema = z.object({
  /** new: first run; locked: the vault needs its passphrase; ready: burning possible. */
  stage: z.enum(['new', 'locked', 'ready']),
  mode: z.enum(['hub', 'demo']).nullable(),
  keyProtection: z.enum(['os_keychain', 'passphrase']).nullable(),
  osKeychainAvailable: z.boolean(),
  stationName: z.string().nullable(),
  line: z.string().nullable(),
  language: languageSchema,
  /** Where station files (reports, downloads) are written. */
  exportDir: z.string().nullable(),
});
export type SetupState = z.infer<typeof setupStateSchema>;

export { uuidSchema, macSchema, pidSchema };
