/**
 * Reconciling a station whose vault went back (docs/sync.md "A vault that went back"). A station found behind
 * its anchor, or refused by the hub with STATION_ROLLED_BACK, asks the hub which of its licenses are used up
 * (burned, spoiled or rejected) and marks them so in its vault, so none of them is offered again.
 *
 * Page by uuid: send `after: null` first, then the `next` of each answer until it is null. The first page also
 * clears the audit head the hub recorded for the station (its restored vault's next push starts a new one) and
 * answers the head it cleared, so the station can say how far the hub had heard of it.
 */
import { z } from 'zod';
import { uuidSchema } from '../license';
import { stationAuditHeadSchema } from './sync';

export const reconcileRequestSchema = z.strictObject({
  /** The last uuid of the previous page; null for the first page. */
  after: uuidSchema.nullable(),
  limit: z.number().int().min(1).max(5000).default(2000),
});
export type ReconcileRequest = z.input<typeof reconcileRequestSchema>;

export const reconciledStateSchema = z.enum(['burned', 'spoiled', 'rejected']);
export type ReconciledState = z.infer<typeof reconciledStateSchema>;

export const reconcileResponseSchema = z.object({
  /** Licenses leased to this station that the hub holds as used up, in uuid order. */
  licenses: z.array(z.object({ uuid: uuidSchema, state: reconciledStateSchema })),
  /** Send it as `after` for the next page; null: this was the last one. */
  next: uuidSchema.nullable(),
  /** First page only: the audit head the hub held for the station before clearing it (null: none; later pages: null). */
  clearedHead: stationAuditHeadSchema.nullable(),
});
export type ReconcileResponse = z.infer<typeof reconcileResponseSchema>;
