/**
 * The hub console's own routes (issue 12): request and answer schemas shared
 * by the hub (hub/http) and the browser console (console/). The console reads
 * every answer through these schemas.
 */
import { z } from 'zod';
import {
  credentialStateSchema,
  deliveryModeSchema,
  idSchema,
  isoTimeSchema,
  jobSchema,
  licenseCountsSchema,
  thirdPartyKindSchema,
} from './hub-api/schemas';

/** What the Operation column can offer for one credential. */
export const consoleActionSchema = z.enum([
  'download',
  'split',
  'change_product',
  'generate_resources',
  'update_details',
  'update_history',
  'confirm_generate_download',
  'recall',
  'assign',
]);
export type ConsoleAction = z.infer<typeof consoleActionSchema>;

/** One action for this credential, this account's role and the product's capabilities; `reason` in plain words when it is not allowed. */
export const allowedActionSchema = z.object({ action: consoleActionSchema, allowed: z.boolean(), reason: z.string().optional() });
export type AllowedAction = z.infer<typeof allowedActionSchema>;

export const consoleTabSchema = z.enum(['mine', 'customers']);
export type ConsoleTab = z.infer<typeof consoleTabSchema>;
export const consoleSortSchema = z.enum([
  'name',
  'product',
  'purchased',
  'free',
  'total',
  'unused',
  'leased',
  'burned',
  'spoiled',
  'exported',
  'delivery',
  'state',
  'createdAt',
]);
export type ConsoleSort = z.infer<typeof consoleSortSchema>;

/** `GET /v1/console/credentials`: one page of the credentials list, searched, filtered and sorted by the hub. */
export const consoleCredentialQuerySchema = z.strictObject({
  tab: consoleTabSchema.default('mine'),
  /** Name, order number, PID, or an id's first 8 or more characters. */
  q: z.string().trim().max(120).optional(),
  state: credentialStateSchema.optional(),
  /** A product's PID. */
  productId: z.string().max(64).optional(),
  factoryId: idSchema.optional(),
  delivery: deliveryModeSchema.optional(),
  sort: consoleSortSchema.default('createdAt'),
  dir: z.enum(['asc', 'desc']).default('desc'),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(25),
});
export type ConsoleCredentialQuery = z.input<typeof consoleCredentialQuerySchema>;

const named = z.object({ id: idSchema, name: z.string() }).nullable();

export const consoleCredentialRowSchema = z.object({
  id: idSchema,
  name: z.string(),
  orderNo: z.string().nullable(),
  /** Whose credential it is, on the customer's tab (null for "mine"). */
  customerName: z.string().nullable(),
  /** False for a customer's credential the owner has not confirmed yet (nothing can be done with it before). */
  confirmed: z.boolean(),
  product: z.object({ id: z.string(), name: z.string(), pid: z.string() }),
  purchased: z.number().int(),
  free: z.number().int(),
  total: z.number().int(),
  counts: licenseCountsSchema,
  delivery: deliveryModeSchema,
  state: credentialStateSchema,
  assignment: z.object({ factory: named, line: named, station: named }),
  createdAt: isoTimeSchema,
  allowedActions: z.array(allowedActionSchema),
});
export type ConsoleCredentialRow = z.infer<typeof consoleCredentialRowSchema>;

export const consoleCredentialPageSchema = z.object({
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
  rows: z.array(consoleCredentialRowSchema),
});
export type ConsoleCredentialPage = z.infer<typeof consoleCredentialPageSchema>;

/** `GET /v1/console/fleet`: each station's sync and burning, each group's licenses left and when it runs dry at the current rate. */
export const fleetStationSchema = z.object({
  id: idSchema,
  name: z.string(),
  factory: z.string(),
  line: z.string(),
  lastSyncAt: isoTimeSchema.nullable(),
  /** Items the station reported waiting to be pushed. */
  outbox: z.number().int(),
  burnsLastHour: z.number().int(),
  suspects: z.number().int(),
});
export const fleetGroupSchema = z.object({
  credentialId: idSchema,
  name: z.string(),
  pid: z.string(),
  left: z.number().int(),
  burnRatePerHour: z.number(),
  /** When the group runs out at the current burn rate; null when nothing burns. */
  runsDryAt: isoTimeSchema.nullable(),
  runsDrySoon: z.boolean(),
});
export const fleetSchema = z.object({ stations: z.array(fleetStationSchema), groups: z.array(fleetGroupSchema) });
export type Fleet = z.infer<typeof fleetSchema>;
export type FleetStation = z.infer<typeof fleetStationSchema>;
export type FleetGroup = z.infer<typeof fleetGroupSchema>;

// ---------- third-party resources ----------

/** `GET /v1/console/credentials/:id/resources`: the HomeKit / Find My resources of a credential's licenses, one page. */
export const resourceQuerySchema = z.strictObject({
  kind: thirdPartyKindSchema.optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(100),
});
export type ResourceQuery = z.input<typeof resourceQuerySchema>;

export const resourceRowSchema = z.object({
  uuid: z.string(),
  mac: z.string().nullable(),
  kind: thirdPartyKindSchema,
  /** HomeKit: setupCode, setupId; Find My: serialNumber, pairingToken. */
  fields: z.record(z.string(), z.string()),
  createdAt: isoTimeSchema,
});
export type ResourceRow = z.infer<typeof resourceRowSchema>;

export const resourceListSchema = z.object({
  credentialId: idSchema,
  /** Licenses of the credential now, and how many of them have each kind of resource. */
  licenses: z.number().int(),
  generated: z.object({ homekit: z.number().int(), findmy: z.number().int() }),
  /** The credential's jobs, newest first (at most 10). */
  jobs: z.array(jobSchema),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
  rows: z.array(resourceRowSchema),
});
export type ResourceList = z.infer<typeof resourceListSchema>;

/** `GET /v1/console/credentials/:id/resources/file`: every resource as CSV (the columns below, header first). */
export const resourceFileQuerySchema = z.strictObject({ kind: thirdPartyKindSchema.optional() });
export type ResourceFileQuery = z.input<typeof resourceFileQuerySchema>;
export const resourceFileColumns = [
  'uuid',
  'mac',
  'kind',
  'setup_code',
  'setup_id',
  'serial_number',
  'pairing_token',
  'created_at',
] as const;
export const resourceFileSchema = z.string();
