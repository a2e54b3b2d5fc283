import { z } from 'zod';
import {
  auditCheckSchema,
  bundleExportSchema,
  bundleImportSchema,
  dashboardSchema,
  deliveryModeSchema,
  groupCountsSchema,
  groupSummarySchema,
  historyEntrySchema,
  idSchema,
  importReportSchema,
  jobProgressSchema,
  keyProtectionInputSchema,
  programmerSchema,
  languageSchema,
  offlineOutcomeSchema,
  outcomeTextsSchema,
  productSchema,
  refusedReportSchema,
  reportRangeSchema,
  setupStateSchema,
  slotStateSchema,
  supervisorPinInputSchema,
  supervisorSessionSchema,
  suspectSchema,
  syncStatusSchema,
  updateRequestSchema,
  uuidSchema,
  pidSchema,
  operatorNumberInputSchema,
  operatorSessionSchema,
  peopleSchema,
  supervisorNameInputSchema,
  supervisorRefSchema,
  vaultGuardSchema,
  reconcileResultSchema,
} from './schemas';

/**
 * THE contract between the renderer and main (issue 6): one zod schema per
 * call input, call output and event. The dispatcher validates with it, the
 * preload and the browser client are generated from its names, and the
 * renderer's `StationApi` type is derived from it.
 *
 * access: `open` needs nothing; `supervisor` needs a PIN session.
 */
type Access = 'open' | 'supervisor';
/** `action`: a supervisor call that changes something or sends something; each is recorded with the supervisor's name. */
interface CallSpec<I extends z.ZodType, O extends z.ZodType> {
  input: I;
  output: O;
  access: Access;
  action: boolean;
}
const call = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O, access: Access = 'open', action = false): CallSpec<I, O> => ({
  input,
  output,
  access,
  action,
});
const supervisor = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O): CallSpec<I, O> =>
  call(input, output, 'supervisor', true);
/** A supervisor call that only reads. */
const supervisorRead = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O): CallSpec<I, O> => call(input, output, 'supervisor');

/** Calls with no input take an empty object (undefined is accepted too). */
const none = z.object({}).strict().optional();
const slotIds = z.array(idSchema).max(64).optional();
const serialSchema = z
  .string()
  .trim()
  .min(1, 'the serial number is empty')
  .max(64, 'a serial number is at most 64 characters')
  .regex(/^[\x20-\x7e]+$/, 'a serial number may only hold printable ASCII characters');
const oneTimeCode = z
  .string()
  .trim()
  .regex(/^[0-9]{6}$/, 'the one-time code is 6 digits');
const count = z.number().int().nonnegative().max(10_000_000);
/** What the target types: 6 groups of 4 characters; case, spaces and dashes are forgiven. */
const bundlePassphrase = z
  .string()
  .trim()
  .min(1, 'type the one-time passphrase shown at the source station')
  .max(64, 'the one-time passphrase is 6 groups of 4 characters')
  .refine(
    (p) => p.toUpperCase().replace(/[^0-9A-Z]/g, '').length === 24,
    'the one-time passphrase is 6 groups of 4 characters (24 letters and digits)',
  );

export const apiContract = {
  setup: {
    state: call(none, setupStateSchema),
    connectHub: call(
      z
        .object({
          hubUrl: z.url({ protocol: /^https?$/, error: 'the hub address must start with http:// or https://' }),
          enrollmentCode: z.string().trim().min(6, 'the enrollment code has at least 6 characters').max(64),
          stationName: z.string().trim().min(1).max(64),
          keyProtection: keyProtectionInputSchema,
          supervisorPin: supervisorPinInputSchema,
        })
        .strict(),
      setupStateSchema,
    ),
    startDemo: call(
      z.object({ keyProtection: keyProtectionInputSchema, supervisorPin: supervisorPinInputSchema }).strict(),
      setupStateSchema,
    ),
    unlock: call(z.object({ passphrase: z.string().min(1).max(256) }).strict(), setupStateSchema),
    setLanguage: call(z.object({ language: languageSchema }).strict(), setupStateSchema),
  },
  station: {
    overview: call(none, z.object({ groups: z.array(groupSummarySchema), slots: z.array(slotStateSchema) })),
    /** The words of the registered protocols' own outcome codes, and the protocols' names: the screen adds them to its dictionaries at start. */
    outcomeTexts: call(none, outcomeTextsSchema),
    /** Binds a usable group to slots (all slots when none are named). */
    selectGroup: call(z.object({ groupId: idSchema, slotIds }).strict(), z.array(slotStateSchema)),
    start: call(z.object({ slotIds }).strict(), z.array(slotStateSchema)),
    stop: call(z.object({ slotIds }).strict(), z.array(slotStateSchema)),
    retry: call(z.object({ slotId: idSchema }).strict(), slotStateSchema),
    /** A module's serial number from the barcode scanner, for the next burn record on the slot. */
    scanSerial: call(z.object({ slotId: idSchema, serial: serialSchema }).strict(), slotStateSchema),
    counts: call(z.object({ groupId: idSchema }).strict(), groupCountsSchema),
    /** An operator signs on with their operator number or by scanning their badge (no password); no burn starts without one. */
    signOn: call(
      z.object({ code: z.string().trim().min(1, 'scan your badge or type your operator number').max(64) }).strict(),
      operatorSessionSchema,
    ),
    /** Signs the operator off; the slots stop (a burn under way is finished and recorded). */
    signOff: call(none, operatorSessionSchema),
    operator: call(none, operatorSessionSchema),
    /** Whether the vault went back (behind its anchor, or by the hub's word): then it offers nothing until reconciled. */
    vaultGuard: call(none, vaultGuardSchema),
  },
  supervisor: {
    /** `supervisorId` names who signs in (from `supervisors`); it may be left out while the station knows one supervisor only. */
    login: call(
      z
        .object({ pin: z.string().regex(/^[0-9]{1,16}$/, 'a PIN holds digits only'), supervisorId: z.string().min(1).max(64).optional() })
        .strict(),
      supervisorSessionSchema,
    ),
    logout: call(none, supervisorSessionSchema),
    session: call(none, supervisorSessionSchema),
    /** The supervisors' names, for the sign-in (never a PIN or its hash). */
    supervisors: call(none, z.array(supervisorRefSchema)),
    people: supervisorRead(none, peopleSchema),
    /** The station's own operators and supervisors, kept by a supervisor (also offline); the hub's come from its factory accounts. */
    addOperator: supervisor(
      z
        .object({
          number: operatorNumberInputSchema,
          name: z.string().trim().min(1).max(64),
          badge: z
            .string()
            .trim()
            .regex(/^[\x21-\x7e]{4,64}$/, 'a badge is 4 to 64 printable characters without spaces')
            .optional(),
        })
        .strict(),
      peopleSchema,
    ),
    removeOperator: supervisor(z.object({ number: operatorNumberInputSchema }).strict(), peopleSchema),
    addSupervisor: supervisor(z.object({ name: supervisorNameInputSchema, pin: supervisorPinInputSchema }).strict(), peopleSchema),
    removeSupervisor: supervisor(z.object({ id: z.string().min(1).max(64) }).strict(), peopleSchema),
    /** Retires the PIN set at first run ("Station supervisor"): only a named supervisor may, once another named supervisor exists. */
    retireSharedPin: supervisor(none, peopleSchema),
    setIdleSignOff: supervisor(
      z
        .object({
          minutes: z
            .number()
            .int()
            .min(0)
            .max(24 * 60),
        })
        .strict(),
      peopleSchema,
    ),
    products: supervisorRead(none, z.array(productSchema)),
    split: supervisor(
      z
        .object({ groupId: idSchema, purchased: count, free: count, name: z.string().trim().max(64).optional() })
        .strict()
        .refine((v) => v.purchased + v.free > 0, { message: 'a split needs at least one license (purchased + free)' }),
      z.object({ group: groupSummarySchema, queuedOffline: z.boolean() }),
    ),
    changeProduct: supervisor(
      z.object({ groupId: idSchema, targetPid: pidSchema, deliveryMode: deliveryModeSchema }).strict(),
      updateRequestSchema,
    ),
    recall: supervisor(z.object({ requestId: idSchema }).strict(), updateRequestSchema),
    requests: supervisorRead(z.object({ groupId: idSchema.optional() }).strict(), z.array(updateRequestSchema)),
    history: supervisorRead(z.object({ groupId: idSchema }).strict(), z.array(historyEntrySchema)),
    generateResources: supervisor(z.object({ groupId: idSchema, kind: z.enum(['homekit', 'findmy']) }).strict(), jobProgressSchema),
    /** Sends a one-time code by the configured channel (logged in development). */
    requestCode: supervisor(
      z.object({ purpose: z.enum(['download', 'report_export']), groupId: idSchema.optional() }).strict(),
      z.object({
        sentTo: z.string(),
        expiresAt: z.string(),
        /** the development sender: the code is in the station's log (the screen says so in its language) */ toStationLog: z
          .boolean()
          .optional(),
      }),
    ),
    /** How many licenses a download would hand out now, before a code is asked for (those the stations hold are not among them). */
    downloadPreview: supervisorRead(z.object({ groupId: idSchema }).strict(), z.object({ licenses: count, heldByStations: count })),
    /** Writes the license file into the station's export folder: authkeys never reach the screen. */
    download: supervisor(
      z.object({ groupId: idSchema, code: oneTimeCode, confirmGenerate: z.boolean().optional() }).strict(),
      z.object({ filePath: z.string(), licenses: count, group: groupSummarySchema }),
    ),
    reassign: supervisor(
      z.object({ groupId: idSchema, slotIds: z.array(idSchema).max(64), line: z.string().trim().max(64).nullable().optional() }).strict(),
      z.object({ group: groupSummarySchema, queuedOffline: z.boolean() }),
    ),
    /**
     * Sets a group's product PID, which PID-storing firmware asks for (a slot stops with LICENSES_REJECTED
     * while its group has none): audited with the supervisor's name, sent to the hub with the next sync (queued while offline).
     */
    setGroupPid: supervisor(
      z
        .object({
          groupId: idSchema,
          pid: z
            .string()
            .trim()
            .min(1, 'type the PID')
            .max(32, 'a PID is at most 32 characters')
            .regex(/^[\x21-\x7e]+$/, 'a PID has no spaces'),
        })
        .strict(),
      groupSummarySchema,
    ),
    suspects: supervisorRead(none, z.array(suspectSchema)),
    /**
     * read_back settles the suspect on its own module only (same MAC, else the scanned `moduleSerial`,
     * else `confirmUnidentified`); `otherLicense` is the supervisor's choice when it holds another license.
     * void is for a lost module, with its `reason`.
     */
    resolveSuspect: supervisor(
      z
        .object({
          uuid: uuidSchema,
          action: z.enum(['read_back', 'void']),
          slotId: idSchema.optional(),
          moduleSerial: z.string().trim().min(1).max(64).optional(),
          confirmUnidentified: z.boolean().optional(),
          otherLicense: z.enum(['release', 'void']).optional(),
          reason: z.string().trim().min(1).max(200).optional(),
        })
        .strict(),
      z.object({ uuid: uuidSchema, state: z.enum(['verified', 'released', 'void', 'suspect']), message: z.string() }),
    ),
    importLicenses: supervisor(
      z
        .object({
          fileName: z
            .string()
            .trim()
            .min(1)
            .max(255)
            .regex(/\.(csv|xlsx)$/i, 'only .csv and .xlsx license lists can be imported'),
          /** The file's bytes, base64 (at most 64 MiB of file). */
          contentBase64: z.string().min(1, 'the file is empty').max(90_000_000, 'the file is larger than 64 MiB'),
          groupName: z.string().trim().max(64).optional(),
          pid: pidSchema.optional(),
        })
        .strict(),
      importReportSchema,
    ),
    auditCheck: supervisorRead(none, auditCheckSchema),
    /** A vault that went back, put right with the hub's word (needs the hub): what it holds as used up is never offered again. */
    reconcile: supervisor(none, reconcileResultSchema),
    /** Moves unused licenses of a group into an encrypted bundle file in the export folder; they leave the group at once. */
    exportBundle: supervisor(
      z
        .object({
          groupId: idSchema,
          count: z
            .number()
            .int()
            .positive('a bundle holds at least 1 license')
            .max(100_000, 'a bundle holds at most 100000 licenses')
            .optional(),
        })
        .strict(),
      bundleExportSchema,
    ),
    /** Takes a bundle made at another station, once: a file on this station or its bytes (an upload). */
    importBundle: supervisor(
      z
        .object({
          filePath: z
            .string()
            .trim()
            .min(1)
            .max(1024)
            .regex(/^(\/|[A-Za-z]:[\\/])/, 'give the full path of the bundle file on this station')
            .optional(),
          contentBase64: z.string().min(1, 'the file is empty').max(90_000_000, 'the file is larger than 64 MiB').optional(),
          passphrase: bundlePassphrase,
        })
        .strict()
        .refine((v) => (v.filePath === undefined) !== (v.contentBase64 === undefined), {
          message: 'give either the path of the bundle file or its content, not both and not neither',
          path: ['filePath'],
        }),
      bundleImportSchema,
    ),
    exportReport: supervisor(
      z
        .object({
          code: oneTimeCode,
          range: reportRangeSchema,
          groupId: idSchema.optional(),
          operator: operatorNumberInputSchema.optional(),
        })
        .strict(),
      z.object({ filePath: z.string(), rows: count }),
    ),
    /** The programmers plugged in and the slots' programmers (missing ones too): a new programmer has no slot yet. */
    programmers: supervisorRead(none, z.array(programmerSchema)),
    /**
     * Binds a new programmer to a slot: the named slot (stopped; it leaves its old programmer), or a new slot
     * (its protocol found by asking the module in its jig).
     */
    assignProgrammer: supervisor(
      z.object({ key: z.string().trim().min(1).max(200), slotId: idSchema.optional() }).strict(),
      z.object({ slot: slotStateSchema, programmers: z.array(programmerSchema) }),
    ),
    /** Turns a stopped slot's DTR/RTS reset on or off: on, the slot plays its programmer's reset sequence whenever it opens the port. */
    setSlotReset: supervisor(
      z.object({ slotId: idSchema, on: z.boolean() }).strict(),
      z.object({ slot: slotStateSchema, programmers: z.array(programmerSchema) }),
    ),
  },
  sync: {
    status: call(none, syncStatusSchema),
    syncNow: call(none, syncStatusSchema),
    outcomes: call(none, z.array(offlineOutcomeSchema)),
    /** Burn records, spoiled licenses and give-backs the hub refused, with its reason (newest first). */
    refusedReports: supervisorRead(none, z.array(refusedReportSchema)),
  },
  reports: {
    dashboard: call(z.object({ range: reportRangeSchema, operator: operatorNumberInputSchema.optional() }).strict(), dashboardSchema),
  },
} as const;

/** Events pushed from main to the page (named onX). */
export const apiEvents = {
  onSlotState: slotStateSchema,
  onCounts: groupCountsSchema,
  onGroups: z.array(groupSummarySchema),
  onSyncStatus: syncStatusSchema,
  onOfflineOutcome: offlineOutcomeSchema,
  onJobProgress: jobProgressSchema,
  onSupervisorSession: supervisorSessionSchema,
  /** The programmers changed (one plugged in, unplugged or assigned). */
  onProgrammers: z.array(programmerSchema),
  onOperator: operatorSessionSchema,
} as const;

export type ApiContract = typeof apiContract;
export type ApiGroup = keyof ApiContract;
export type ApiEvents = typeof apiEvents;
export type ApiEventName = keyof ApiEvents;
export type ChannelOf<G extends ApiGroup> = `${G}.${keyof ApiContract[G] & string}`;
export type Channel = { [G in ApiGroup]: ChannelOf<G> }[ApiGroup];

/** Every channel, e.g. `station.start`: the preload and the browser client are built from this list. */
export const apiChannels = (Object.keys(apiContract) as ApiGroup[]).flatMap((g) =>
  Object.keys(apiContract[g]).map((m) => `${g}.${m}` as Channel),
);
export const apiEventNames = Object.keys(apiEvents) as ApiEventName[];

export type { CallSpec };

export function specOf(channel: string): CallSpec<z.ZodType, z.ZodType> | undefined {
  const dot = channel.indexOf('.');
  if (dot < 0) return undefined;
  const groups = apiContract as Record<string, Record<string, CallSpec<z.ZodType, z.ZodType>>>;
  const [g, m] = [channel.slice(0, dot), channel.slice(dot + 1)];
  // own properties only: "constructor.name" must not reach Object's prototype
  if (!Object.hasOwn(groups, g) || !Object.hasOwn(groups[g]!, m)) return undefined;
  return groups[g]![m];
}
