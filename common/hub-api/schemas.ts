/**
 * The hub's wire types: every request and response body of the hub HTTP API,
 * as zod schemas. The hub validates with them (and derives its OpenAPI page at
 * /docs from them); the station's sync client imports the same schemas and
 * types. Request objects are strict: an unknown field is a 400.
 */
import { z } from 'zod';
import { authkeySchema, macSchema, pidSchema, uuidSchema } from '../license';

// ---------- primitives ----------

export const idSchema = z.uuid();
export const nameSchema = z.string().trim().min(1).max(120);
export const isoTimeSchema = z.string();

export const ownerSchema = z.enum(['mine', 'customer']);
export type Owner = z.infer<typeof ownerSchema>;

export const deliveryModeSchema = z.enum(['credential', 'credential_auth_only', 'license_list']);
export type DeliveryMode = z.infer<typeof deliveryModeSchema>;

/** Credential (group) states, ARCHITECTURE.md "Domain". */
export const credentialStateSchema = z.enum(['valid', 'confirming_update', 'being_paid', 'updated', 'list_generated']);
export type CredentialState = z.infer<typeof credentialStateSchema>;

/** How a credential came to be: bought, carved out of another by a split, or issued to replace licenses. */
export const credentialOriginSchema = z.enum(['purchase', 'split', 'replacement']);
export type CredentialOrigin = z.infer<typeof credentialOriginSchema>;

export const licenseKindSchema = z.enum(['purchased', 'free']);
export type LicenseKind = z.infer<typeof licenseKindSchema>;

/** Hub-side state of one license: still to be used, burned into a module, voided by a station, or handed out in a download. */
export const hubLicenseStatusSchema = z.enum(['unused', 'burned', 'spoiled', 'rejected', 'exported']);
export type HubLicenseStatus = z.infer<typeof hubLicenseStatusSchema>;

/** `rejected`: the platform refused the change with a reason; the credential went back to the state it had before. */
export const updateRequestStateSchema = z.enum(['confirming_update', 'being_paid', 'updated', 'recalled', 'rejected']);
export type UpdateRequestState = z.infer<typeof updateRequestStateSchema>;

export const thirdPartyKindSchema = z.enum(['homekit', 'findmy']);
export type ThirdPartyKind = z.infer<typeof thirdPartyKindSchema>;

/** `canceled`: the credential's product no longer supports a kind the job was making (a notice says so). */
export const jobStateSchema = z.enum(['queued', 'running', 'done', 'failed', 'canceled']);
export type JobState = z.infer<typeof jobStateSchema>;

/** Money in the smallest currency unit (cents), never floats. */
export const priceCentsSchema = z.number().int().min(0).max(100_000_000);
export const countSchema = z.number().int().min(0).max(10_000_000);

/** Every error answer of the hub: a stable `code` and a plain-words `message`. */
export const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

// ---------- common params ----------

export const idParamsSchema = z.strictObject({ id: idSchema });
export type IdParams = z.infer<typeof idParamsSchema>;

export const okSchema = z.object({ ok: z.literal(true) });

// ---------- products ----------

export const productInputSchema = z.strictObject({
  pid: pidSchema,
  name: nameSchema,
  /** The price of one license. */
  priceCents: priceCentsSchema,
  homekit: z.boolean().default(false),
  findmy: z.boolean().default(false),
  /** What HomeKit adds to the price of one license (when the product has it). */
  homekitPriceCents: priceCentsSchema.default(0),
  /** What Find My adds to the price of one license (when the product has it). */
  findmyPriceCents: priceCentsSchema.default(0),
});
export type ProductInput = z.input<typeof productInputSchema>;

export const productSchema = z.object({
  pid: pidSchema,
  name: z.string(),
  priceCents: z.number().int(),
  homekit: z.boolean(),
  findmy: z.boolean(),
  homekitPriceCents: z.number().int(),
  findmyPriceCents: z.number().int(),
  /** One license with its features: the license price plus the price of each feature the product has. */
  unitPriceCents: z.number().int(),
  createdAt: isoTimeSchema,
});
export type Product = z.infer<typeof productSchema>;
export const productListSchema = z.object({ products: z.array(productSchema) });

// ---------- factories, lines, stations ----------

export const nameInputSchema = z.strictObject({ name: nameSchema });
export type NameInput = z.infer<typeof nameInputSchema>;

/**
 * Where the hub sends a station's download codes; only the hub operator sets it. The hub checks the address's form
 * for its channel itself (an email address; a phone number in international form), with a code of its own.
 */
export const downloadContactSchema = z.strictObject({ channel: z.enum(['email', 'sms']), destination: z.string().trim().min(3).max(200) });
export type DownloadContact = z.infer<typeof downloadContactSchema>;

export const stationSchema = z.object({
  id: idSchema,
  name: z.string(),
  factoryId: idSchema,
  lineId: idSchema,
  downloadContact: z.object({ channel: z.enum(['email', 'sms']), destination: z.string() }).nullable(),
  enrolled: z.boolean(),
  enrolledAt: isoTimeSchema.nullable(),
  revokedAt: isoTimeSchema.nullable(),
  createdAt: isoTimeSchema,
});
export type Station = z.infer<typeof stationSchema>;

export const lineSchema = z.object({
  id: idSchema,
  factoryId: idSchema,
  name: z.string(),
  createdAt: isoTimeSchema,
  stations: z.array(stationSchema),
});
export type Line = z.infer<typeof lineSchema>;

export const factorySchema = z.object({ id: idSchema, name: z.string(), createdAt: isoTimeSchema, lines: z.array(lineSchema) });
export type Factory = z.infer<typeof factorySchema>;
export const factoryListSchema = z.object({ factories: z.array(factorySchema) });

export const enrollmentCodeInputSchema = z.strictObject({
  ttlMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(24 * 60),
});
export type EnrollmentCodeInput = z.input<typeof enrollmentCodeInputSchema>;
/** The code is shown once; the hub keeps only its hash. */
export const enrollmentCodeSchema = z.object({ stationId: idSchema, code: z.string(), expiresAt: isoTimeSchema });
export type EnrollmentCode = z.infer<typeof enrollmentCodeSchema>;

// ---------- credentials ----------

export const productionDetailsSchema = z.object({ firmwareKey: z.string().min(1).max(64), chip: z.string().min(1).max(64) });

export const credentialInputSchema = z.strictObject({
  pid: pidSchema,
  owner: ownerSchema,
  customerName: nameSchema.optional(),
  deliveryMode: deliveryModeSchema,
  firmwareKey: z.string().min(1).max(64),
  chip: z.string().min(1).max(64),
  origin: z.enum(['purchase', 'replacement']).default('purchase'),
  /** What people call it; the console shows the product's name when there is none. */
  name: nameSchema.optional(),
  /** The order the licenses were bought with. */
  orderNo: z.string().trim().min(1).max(64).optional(),
});
export type CredentialInput = z.input<typeof credentialInputSchema>;

export const assignmentSchema = z.object({ factoryId: idSchema.nullable(), lineId: idSchema.nullable(), stationId: idSchema.nullable() });
export type Assignment = z.infer<typeof assignmentSchema>;

export const licenseCountsSchema = z.object({
  unused: z.number().int(),
  leased: z.number().int(),
  burned: z.number().int(),
  spoiled: z.number().int(),
  rejected: z.number().int(),
  exported: z.number().int(),
});
export type LicenseCounts = z.infer<typeof licenseCountsSchema>;

export const credentialSchema = z.object({
  id: idSchema,
  name: z.string().nullable(),
  orderNo: z.string().nullable(),
  pid: pidSchema,
  owner: ownerSchema,
  customerName: z.string().nullable(),
  /** A customer's credential is usable only once the factory confirmed it; "mine" are always confirmed. */
  confirmed: z.boolean(),
  deliveryMode: deliveryModeSchema,
  purchased: z.number().int(),
  free: z.number().int(),
  firmwareKey: z.string(),
  chip: z.string(),
  parentId: idSchema.nullable(),
  origin: credentialOriginSchema,
  assignment: assignmentSchema,
  state: credentialStateSchema,
  counts: licenseCountsSchema,
  createdAt: isoTimeSchema,
  updatedAt: isoTimeSchema,
});
export type Credential = z.infer<typeof credentialSchema>;

export const credentialListQuerySchema = z.strictObject({ owner: ownerSchema.optional(), state: credentialStateSchema.optional() });
export type CredentialListQuery = z.infer<typeof credentialListQuerySchema>;
export const credentialListSchema = z.object({ credentials: z.array(credentialSchema) });

export const licenseRowSchema = z.strictObject({ uuid: uuidSchema, authkey: authkeySchema, mac: macSchema.optional() });
export const licenseImportSchema = z.strictObject({
  kind: licenseKindSchema.default('purchased'),
  licenses: z.array(licenseRowSchema).min(1).max(200_000),
});
export type LicenseImport = z.input<typeof licenseImportSchema>;
/** A license list file (csv/xlsx/txt as the station's importer reads it), base64, parsed by the shared parser. */
export const licenseFileImportSchema = z.strictObject({
  kind: licenseKindSchema.default('purchased'),
  fileName: z.string().min(1).max(255),
  contentBase64: z.string().min(1).max(40_000_000),
});
export type LicenseFileImport = z.input<typeof licenseFileImportSchema>;
export const importResultSchema = z.object({
  credentialId: idSchema,
  imported: z.number().int(),
  purchased: z.number().int(),
  free: z.number().int(),
});
export type ImportResult = z.infer<typeof importResultSchema>;

export const splitInputSchema = z
  .strictObject({ purchased: countSchema, free: countSchema })
  .refine((v) => v.purchased + v.free > 0, { message: 'a split needs at least one license (purchased + free > 0)' });
export type SplitInput = z.infer<typeof splitInputSchema>;

/** A group's PID, set by a person on the hub: on the hub a group's PID is its product's, so only that PID is accepted. */
export const setPidInputSchema = z.object({ pid: pidSchema }).strict();
export type SetPidInput = z.infer<typeof setPidInputSchema>;
export const splitResultSchema = z.object({ parent: credentialSchema, child: credentialSchema });
export type SplitResult = z.infer<typeof splitResultSchema>;

/** Assign to a factory, optionally a line of it, optionally a station of that line. All null = unassigned. */
export const assignInputSchema = z.strictObject({
  factoryId: idSchema.nullable(),
  lineId: idSchema.nullable().default(null),
  stationId: idSchema.nullable().default(null),
});
export type AssignInput = z.input<typeof assignInputSchema>;

// ---------- change product (update requests) ----------

export const updateRequestInputSchema = z.strictObject({ targetPid: pidSchema, deliveryMode: deliveryModeSchema });
export type UpdateRequestInput = z.infer<typeof updateRequestInputSchema>;
/**
 * Confirm Update Info before OK: what the request would be now, as the hub computes it (the same checks and the
 * same figures as the request itself; a change the hub would refuse is refused here with the same code).
 */
export const updatePreviewSchema = z.object({
  credentialId: idSchema,
  fromPid: pidSchema,
  toPid: pidSchema,
  deliveryMode: deliveryModeSchema,
  /** Unused licenses the change would apply to, and the purchased ones among them (only those are charged). */
  licenses: z.number().int(),
  chargedLicenses: z.number().int(),
  /** (new unit price - old unit price) x charged licenses, in cents of `currency`; > 0 is paid before the change is done. */
  priceDifferenceCents: z.number().int(),
  /** ISO 4217 code of every price the hub names. */
  currency: z.string().length(3),
});
export type UpdatePreview = z.infer<typeof updatePreviewSchema>;

export const updateRequestSchema = z.object({
  id: idSchema,
  credentialId: idSchema,
  fromPid: pidSchema,
  toPid: pidSchema,
  fromDeliveryMode: deliveryModeSchema,
  toDeliveryMode: deliveryModeSchema,
  /** Unused licenses the change applies to. */
  licenses: z.number().int(),
  /** Purchased licenses among them: only these are charged (free licenses are not). */
  chargedLicenses: z.number().int(),
  /** (new unit price - old unit price) x purchased licenses; > 0 must be paid before the change is done. */
  priceDifferenceCents: z.number().int(),
  state: updateRequestStateSchema,
  createdAt: isoTimeSchema,
  approvedAt: isoTimeSchema.nullable(),
  paidAt: isoTimeSchema.nullable(),
  paymentReference: z.string().nullable(),
  completedAt: isoTimeSchema.nullable(),
  recalledAt: isoTimeSchema.nullable(),
  rejectedAt: isoTimeSchema.nullable(),
  /** Why the platform rejected the change (null unless rejected). */
  rejectionReason: z.string().nullable(),
});
export type UpdateRequest = z.infer<typeof updateRequestSchema>;
export const updateRequestListSchema = z.object({ updates: z.array(updateRequestSchema) });
/** Credential Update Details: the request, the credential, the request's events, and the products it moves between (name, PID, prices, features). */
export const updateDetailsSchema = z.object({
  update: updateRequestSchema,
  credential: credentialSchema,
  events: z.array(z.lazy(() => credentialEventSchema)),
  fromProduct: productSchema.nullable(),
  toProduct: productSchema.nullable(),
});
export type UpdateDetails = z.infer<typeof updateDetailsSchema>;
export const payInputSchema = z.strictObject({ paymentReference: z.string().min(1).max(120) });
export type PayInput = z.infer<typeof payInputSchema>;
/** The platform rejects a change request: the reason is required (blank: REJECT_REASON_REQUIRED) and shown to whoever asked for the change. */
export const rejectInputSchema = z.strictObject({ reason: z.string().trim().max(500) });
export type RejectInput = z.infer<typeof rejectInputSchema>;
export const updateTransitionSchema = z.object({ update: updateRequestSchema, credential: credentialSchema });
export type UpdateTransition = z.infer<typeof updateTransitionSchema>;

export const credentialEventSchema = z.object({
  id: idSchema,
  credentialId: idSchema,
  at: isoTimeSchema,
  kind: z.string(),
  details: z.record(z.string(), z.unknown()),
});
export type CredentialEvent = z.infer<typeof credentialEventSchema>;
export const credentialHistorySchema = z.object({ events: z.array(credentialEventSchema) });

// ---------- third-party resources ----------

export const thirdPartyJobInputSchema = z.strictObject({ kinds: z.array(thirdPartyKindSchema).min(1).max(2).optional() });
export type ThirdPartyJobInput = z.infer<typeof thirdPartyJobInputSchema>;
export const jobSchema = z.object({
  id: idSchema,
  credentialId: idSchema,
  kinds: z.array(thirdPartyKindSchema),
  state: jobStateSchema,
  total: z.number().int(),
  done: z.number().int(),
  createdAt: isoTimeSchema,
  startedAt: isoTimeSchema.nullable(),
  finishedAt: isoTimeSchema.nullable(),
  error: z.string().nullable(),
});
export type Job = z.infer<typeof jobSchema>;
export const noticeSchema = z.object({
  id: idSchema,
  kind: z.string(),
  message: z.string(),
  credentialId: idSchema.nullable(),
  jobId: idSchema.nullable(),
  createdAt: isoTimeSchema,
});
export type Notice = z.infer<typeof noticeSchema>;
export const noticeListSchema = z.object({ notices: z.array(noticeSchema) });

// ---------- download ----------

/**
 * An account's download code goes to its own verified email (`email`) or phone (`sms`). `destination` may be left
 * out; when given it must be that verified contact (clients written before the contacts were verified send it).
 */
export const downloadCodeInputSchema = z.strictObject({
  channel: z.enum(['email', 'sms']),
  destination: z.string().min(3).max(200).optional(),
});
export type DownloadCodeInput = z.infer<typeof downloadCodeInputSchema>;
export const downloadCodeSchema = z.object({ codeId: idSchema, expiresAt: isoTimeSchema, sentTo: z.string() });
/** What a download would hand out now, before a code is asked for: the unused licenses no station holds (those held by stations are burned there). */
export const downloadPreviewSchema = z.object({
  credentialId: idSchema,
  licenses: z.number().int().nonnegative(),
  heldByStations: z.number().int().nonnegative(),
  deliveryMode: deliveryModeSchema,
});
export type DownloadPreview = z.infer<typeof downloadPreviewSchema>;
export type DownloadCode = z.infer<typeof downloadCodeSchema>;
/** A station asks for a code and names no address: the hub sends it to the contact its operator set for the station. */
export const stationDownloadCodeInputSchema = z.strictObject({});
export const downloadInputSchema = z.strictObject({
  codeId: idSchema,
  code: z.string().regex(/^\d{6}$/, 'the code has 6 digits'),
  /** license_list mode: "confirm to generate and download" (moves the credential to list_generated). */
  confirmGenerate: z.boolean().default(false),
});
export type DownloadInput = z.input<typeof downloadInputSchema>;
export const downloadSchema = z.object({
  credentialId: idSchema,
  deliveryMode: deliveryModeSchema,
  state: credentialStateSchema,
  licenses: z.array(z.object({ uuid: uuidSchema, authkey: authkeySchema, mac: macSchema.nullable(), kind: licenseKindSchema })),
});
export type Download = z.infer<typeof downloadSchema>;

// ---------- reports ----------

export const credentialReportSchema = z.object({
  rows: z.array(
    z.object({
      credentialId: idSchema,
      pid: pidSchema,
      owner: ownerSchema,
      state: credentialStateSchema,
      purchased: z.number().int(),
      free: z.number().int(),
      counts: licenseCountsSchema,
    }),
  ),
});
export type CredentialReport = z.infer<typeof credentialReportSchema>;
export const stationReportSchema = z.object({
  rows: z.array(
    z.object({
      stationId: idSchema,
      name: z.string(),
      lineId: idSchema,
      enrolled: z.boolean(),
      revoked: z.boolean(),
      leased: z.number().int(),
      burned: z.number().int(),
      spoiled: z.number().int(),
      lastSeenAt: isoTimeSchema.nullable(),
    }),
  ),
});
export type StationReport = z.infer<typeof stationReportSchema>;

/** `instanceId` names this hub process (several may share one PostgreSQL). */
export const healthSchema = z.object({
  ok: z.literal(true),
  store: z.enum(['sqlite', 'postgres']),
  version: z.string(),
  instanceId: z.string(),
});
