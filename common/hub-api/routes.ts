/**
 * Every route of the hub, once: method, path, who may call it, and the zod
 * schemas of its parts. The hub registers its routes from this table (so
 * validation, the OpenAPI page and the types cannot drift apart) and a client
 * can build typed calls from it: `RouteBody<'pull'>`, `RouteReply<'pull'>`.
 */
import type { z } from 'zod';
import * as s from './schemas';
import * as sync from './sync';

export type RouteAuth = 'none' | 'admin' | 'station';

export interface HubRouteDef {
  method: 'GET' | 'POST';
  url: string;
  auth: RouteAuth;
  summary: string;
  tags: readonly string[];
  params?: z.ZodType;
  querystring?: z.ZodType;
  body?: z.ZodType;
  /** The 200 answer; errors are always `errorBodySchema`. */
  reply: z.ZodType;
}

const def = <T extends HubRouteDef>(d: T): T => d;
const admin = ['admin'] as const;
const station = ['station'] as const;
const stationSupervisor = ['station supervisor'] as const;

export const hubRoutes = {
  health: def({ method: 'GET', url: '/v1/health', auth: 'none', summary: 'Liveness and which store the hub runs on', tags: ['meta'], reply: s.healthSchema }),

  // station sync
  enroll: def({ method: 'POST', url: '/v1/station/enroll', auth: 'none', summary: 'Trade a one-time enrollment code for a station token', tags: station, body: sync.enrollRequestSchema, reply: sync.enrollResponseSchema }),
  stationSelf: def({ method: 'GET', url: '/v1/station/me', auth: 'station', summary: 'Who the token belongs to', tags: station, reply: sync.stationSelfSchema }),
  pull: def({ method: 'POST', url: '/v1/station/pull', auth: 'station', summary: 'Groups and leased licenses since a cursor, one page', tags: station, body: sync.pullRequestSchema, reply: sync.pullResponseSchema }),
  push: def({ method: 'POST', url: '/v1/station/push', auth: 'station', summary: 'Burn records, spoiled licenses and offline operations, each applied once', tags: station, body: sync.pushRequestSchema, reply: sync.pushResponseSchema }),

  // the station's supervisor console: only the groups assigned to the calling station (others: 403 NOT_YOUR_GROUP)
  stationProducts: def({ method: 'GET', url: '/v1/station/products', auth: 'station', summary: 'Products, to pick the target of a product change', tags: stationSupervisor, reply: s.productListSchema }),
  stationRequestUpdate: def({ method: 'POST', url: '/v1/station/credentials/:id/update-requests', auth: 'station', summary: 'Change product of one of this station\'s groups (starts confirming_update)', tags: stationSupervisor, params: s.idParamsSchema, body: s.updateRequestInputSchema, reply: s.updateTransitionSchema }),
  stationListUpdates: def({ method: 'GET', url: '/v1/station/credentials/:id/update-requests', auth: 'station', summary: 'Update history of a group this station sees', tags: stationSupervisor, params: s.idParamsSchema, reply: s.updateRequestListSchema }),
  stationGetUpdate: def({ method: 'GET', url: '/v1/station/update-requests/:id', auth: 'station', summary: 'Details of one update of a group this station sees', tags: stationSupervisor, params: s.idParamsSchema, reply: s.updateDetailsSchema }),
  stationRecallUpdate: def({ method: 'POST', url: '/v1/station/update-requests/:id/recall', auth: 'station', summary: 'Recall a product change of one of this station\'s groups', tags: stationSupervisor, params: s.idParamsSchema, reply: s.updateTransitionSchema }),
  stationHistory: def({ method: 'GET', url: '/v1/station/credentials/:id/history', auth: 'station', summary: 'Everything that happened to a group this station sees', tags: stationSupervisor, params: s.idParamsSchema, reply: s.credentialHistorySchema }),
  stationStartThirdPartyJob: def({ method: 'POST', url: '/v1/station/credentials/:id/third-party-jobs', auth: 'station', summary: 'Generate HomeKit / Find My resources for one of this station\'s groups', tags: stationSupervisor, params: s.idParamsSchema, body: s.thirdPartyJobInputSchema, reply: s.jobSchema }),
  stationGetJob: def({ method: 'GET', url: '/v1/station/jobs/:id', auth: 'station', summary: 'Progress of a job of a group this station sees', tags: stationSupervisor, params: s.idParamsSchema, reply: s.jobSchema }),
  stationNotices: def({ method: 'GET', url: '/v1/station/notices', auth: 'station', summary: 'Notices about the groups this station sees', tags: stationSupervisor, reply: s.noticeListSchema }),
  stationSendDownloadCode: def({ method: 'POST', url: '/v1/station/credentials/:id/download-codes', auth: 'station', summary: "Send a one-time download code to the contact the hub operator set for this station", tags: stationSupervisor, params: s.idParamsSchema, body: s.stationDownloadCodeInputSchema, reply: s.downloadCodeSchema }),
  stationDownload: def({ method: 'POST', url: '/v1/station/credentials/:id/download', auth: 'station', summary: "Download the unused licenses of one of this station's groups with the one-time code", tags: stationSupervisor, params: s.idParamsSchema, body: s.downloadInputSchema, reply: s.downloadSchema }),

  // products
  createProduct: def({ method: 'POST', url: '/v1/admin/products', auth: 'admin', summary: 'Create or update a product', tags: admin, body: s.productInputSchema, reply: s.productSchema }),
  listProducts: def({ method: 'GET', url: '/v1/admin/products', auth: 'admin', summary: 'List products', tags: admin, reply: s.productListSchema }),

  // factories, lines, stations
  createFactory: def({ method: 'POST', url: '/v1/admin/factories', auth: 'admin', summary: 'Create a factory', tags: admin, body: s.nameInputSchema, reply: s.factorySchema }),
  listFactories: def({ method: 'GET', url: '/v1/admin/factories', auth: 'admin', summary: 'Factories with their lines and stations', tags: admin, reply: s.factoryListSchema }),
  createLine: def({ method: 'POST', url: '/v1/admin/factories/:id/lines', auth: 'admin', summary: 'Add a line to a factory', tags: admin, params: s.idParamsSchema, body: s.nameInputSchema, reply: s.lineSchema }),
  createStation: def({ method: 'POST', url: '/v1/admin/lines/:id/stations', auth: 'admin', summary: 'Add a station to a line', tags: admin, params: s.idParamsSchema, body: s.nameInputSchema, reply: s.stationSchema }),
  createEnrollmentCode: def({ method: 'POST', url: '/v1/admin/stations/:id/enrollment-codes', auth: 'admin', summary: 'One-time enrollment code for a station (shown once)', tags: admin, params: s.idParamsSchema, body: s.enrollmentCodeInputSchema, reply: s.enrollmentCodeSchema }),
  setDownloadContact: def({ method: 'POST', url: '/v1/admin/stations/:id/download-contact', auth: 'admin', summary: "Where the hub sends the station's download codes (email or SMS)", tags: admin, params: s.idParamsSchema, body: s.downloadContactSchema, reply: s.stationSchema }),
  revokeStation: def({ method: 'POST', url: '/v1/admin/stations/:id/revoke', auth: 'admin', summary: "Revoke a station's token", tags: admin, params: s.idParamsSchema, reply: s.stationSchema }),

  // credentials
  createCredential: def({ method: 'POST', url: '/v1/admin/credentials', auth: 'admin', summary: 'Create a credential (group); import its licenses next', tags: admin, body: s.credentialInputSchema, reply: s.credentialSchema }),
  listCredentials: def({ method: 'GET', url: '/v1/admin/credentials', auth: 'admin', summary: "My credentials or customer's credentials", tags: admin, querystring: s.credentialListQuerySchema, reply: s.credentialListSchema }),
  getCredential: def({ method: 'GET', url: '/v1/admin/credentials/:id', auth: 'admin', summary: 'One credential with its license counts', tags: admin, params: s.idParamsSchema, reply: s.credentialSchema }),
  confirmCredential: def({ method: 'POST', url: '/v1/admin/credentials/:id/confirm', auth: 'admin', summary: "Confirm a customer's credential before use", tags: admin, params: s.idParamsSchema, reply: s.credentialSchema }),
  importLicenses: def({ method: 'POST', url: '/v1/admin/credentials/:id/licenses', auth: 'admin', summary: 'Import licenses (all or nothing)', tags: admin, params: s.idParamsSchema, body: s.licenseImportSchema, reply: s.importResultSchema }),
  importLicenseFile: def({ method: 'POST', url: '/v1/admin/credentials/:id/import', auth: 'admin', summary: 'Import a license list file with the shared parser (all or nothing)', tags: admin, params: s.idParamsSchema, body: s.licenseFileImportSchema, reply: s.importResultSchema }),
  split: def({ method: 'POST', url: '/v1/admin/credentials/:id/split', auth: 'admin', summary: 'Split quantity: P purchased + F free unused licenses into a new credential', tags: admin, params: s.idParamsSchema, body: s.splitInputSchema, reply: s.splitResultSchema }),
  assign: def({ method: 'POST', url: '/v1/admin/credentials/:id/assign', auth: 'admin', summary: 'Assign to a factory / line / station', tags: admin, params: s.idParamsSchema, body: s.assignInputSchema, reply: s.credentialSchema }),
  history: def({ method: 'GET', url: '/v1/admin/credentials/:id/history', auth: 'admin', summary: 'Everything that happened to a credential', tags: admin, params: s.idParamsSchema, reply: s.credentialHistorySchema }),

  // change product
  requestUpdate: def({ method: 'POST', url: '/v1/admin/credentials/:id/update-requests', auth: 'admin', summary: 'Change product of the unused licenses (starts confirming_update)', tags: admin, params: s.idParamsSchema, body: s.updateRequestInputSchema, reply: s.updateTransitionSchema }),
  listUpdates: def({ method: 'GET', url: '/v1/admin/credentials/:id/update-requests', auth: 'admin', summary: 'Update history of a credential', tags: admin, params: s.idParamsSchema, reply: s.updateRequestListSchema }),
  getUpdate: def({ method: 'GET', url: '/v1/admin/update-requests/:id', auth: 'admin', summary: 'Details of one update', tags: admin, params: s.idParamsSchema, reply: s.updateDetailsSchema }),
  approveUpdate: def({ method: 'POST', url: '/v1/admin/update-requests/:id/approve', auth: 'admin', summary: 'Approve: updated, or being_paid when there is a difference to pay', tags: admin, params: s.idParamsSchema, reply: s.updateTransitionSchema }),
  payUpdate: def({ method: 'POST', url: '/v1/admin/update-requests/:id/pay', auth: 'admin', summary: 'Record the payment of the price difference: updated', tags: admin, params: s.idParamsSchema, body: s.payInputSchema, reply: s.updateTransitionSchema }),
  recallUpdate: def({ method: 'POST', url: '/v1/admin/update-requests/:id/recall', auth: 'admin', summary: 'Recall a request under review: the credential is usable again', tags: admin, params: s.idParamsSchema, reply: s.updateTransitionSchema }),

  // third-party resources
  startThirdPartyJob: def({ method: 'POST', url: '/v1/admin/credentials/:id/third-party-jobs', auth: 'admin', summary: 'Generate HomeKit / Find My resources (background job)', tags: admin, params: s.idParamsSchema, body: s.thirdPartyJobInputSchema, reply: s.jobSchema }),
  getJob: def({ method: 'GET', url: '/v1/admin/jobs/:id', auth: 'admin', summary: 'Progress of a job', tags: admin, params: s.idParamsSchema, reply: s.jobSchema }),
  listNotices: def({ method: 'GET', url: '/v1/admin/notices', auth: 'admin', summary: 'Notices (e.g. a job is done)', tags: admin, reply: s.noticeListSchema }),

  // download
  sendDownloadCode: def({ method: 'POST', url: '/v1/admin/credentials/:id/download-codes', auth: 'admin', summary: 'Send a one-time download code by email or SMS', tags: admin, params: s.idParamsSchema, body: s.downloadCodeInputSchema, reply: s.downloadCodeSchema }),
  download: def({ method: 'POST', url: '/v1/admin/credentials/:id/download', auth: 'admin', summary: 'Download the unused licenses with the one-time code', tags: admin, params: s.idParamsSchema, body: s.downloadInputSchema, reply: s.downloadSchema }),

  // reports
  credentialReport: def({ method: 'GET', url: '/v1/admin/reports/credentials', auth: 'admin', summary: 'Per credential: purchased, free, used, unused', tags: admin, reply: s.credentialReportSchema }),
  stationReport: def({ method: 'GET', url: '/v1/admin/reports/stations', auth: 'admin', summary: 'Per station: leased, burned, spoiled, last seen', tags: admin, reply: s.stationReportSchema }),
} as const;

export type HubRouteName = keyof typeof hubRoutes;
type Part<N extends HubRouteName, K extends 'body' | 'params' | 'querystring' | 'reply'> = (typeof hubRoutes)[N] extends Record<K, infer S> ? (S extends z.ZodType ? S : never) : never;
/** What a client sends (defaults may be left out). */
export type RouteBody<N extends HubRouteName> = z.input<Part<N, 'body'>>;
export type RouteParams<N extends HubRouteName> = z.infer<Part<N, 'params'>>;
export type RouteQuery<N extends HubRouteName> = z.input<Part<N, 'querystring'>>;
/** What the hub answers with 200. */
export type RouteReply<N extends HubRouteName> = z.infer<Part<N, 'reply'>>;
/** What the route handler receives after validation. */
export type ParsedBody<N extends HubRouteName> = z.output<Part<N, 'body'>>;
export type ParsedQuery<N extends HubRouteName> = z.output<Part<N, 'querystring'>>;
