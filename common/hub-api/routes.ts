/**
 * Every route of the hub, once: method, path, who may call it, and the zod
 * schemas of its parts. The hub registers its routes from this table (so
 * validation, the OpenAPI page and the types cannot drift apart) and a client
 * can build typed calls from it: `RouteBody<'pull'>`, `RouteReply<'pull'>`.
 */
import type { z } from 'zod';
import * as con from '../console-api';
import * as a from './accounts';
import type { Role } from './accounts';
import * as s from './schemas';
import * as rec from './reconcile';
import * as sync from './sync';

/**
 * Who may call a route: nobody in particular; an account (its session cookie,
 * or one of its API keys as `Authorization: Bearer hk_...`); a signed-in
 * session only (the account's own sign-in matters: password, second factor,
 * API keys); or a station with its token.
 */
export type RouteAuth = 'none' | 'account' | 'session' | 'station';

export interface HubRouteDef {
  method: 'GET' | 'POST';
  url: string;
  auth: RouteAuth;
  /** `account` routes: the roles allowed (a `factory` account only within its factory). */
  roles?: readonly Role[];
  /** Answered as this content type instead of JSON. */
  contentType?: 'text/csv';
  /** A GET that hands out something worth knowing who took (POSTs are always in the audit log). */
  audited?: true;
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
const auth = ['sign-in'] as const;
const people = ['accounts'] as const;
const audit = ['audit'] as const;
const consoleTag = ['console'] as const;

// Who may do what (docs/hub.md "Roles"). A factory account reads and changes only what belongs to its factory.
const anyone = ['platform', 'owner', 'factory', 'auditor'] as const;
const platform = ['platform'] as const;
const owner = ['owner'] as const;
const ownerOrFactory = ['owner', 'factory'] as const;
const readers = ['platform', 'owner', 'auditor'] as const;
const peopleReaders = ['platform', 'auditor'] as const;
const platformOrFactory = ['platform', 'factory'] as const;
const station = ['station'] as const;
const stationSupervisor = ['station supervisor'] as const;

export const hubRoutes = {
  health: def({
    method: 'GET',
    url: '/v1/health',
    auth: 'none',
    summary: 'Liveness and which store the hub runs on',
    tags: ['meta'],
    reply: s.healthSchema,
  }),

  // station sync
  enroll: def({
    method: 'POST',
    url: '/v1/station/enroll',
    auth: 'none',
    summary: 'Trade a one-time enrollment code for a station token',
    tags: station,
    body: sync.enrollRequestSchema,
    reply: sync.enrollResponseSchema,
  }),
  stationSelf: def({
    method: 'GET',
    url: '/v1/station/me',
    auth: 'station',
    summary: 'Who the token belongs to',
    tags: station,
    reply: sync.stationSelfSchema,
  }),
  pull: def({
    method: 'POST',
    url: '/v1/station/pull',
    auth: 'station',
    summary: 'Groups and leased licenses since a cursor, one page',
    tags: station,
    body: sync.pullRequestSchema,
    reply: sync.pullResponseSchema,
  }),
  push: def({
    method: 'POST',
    url: '/v1/station/push',
    auth: 'station',
    summary: 'Burn records, spoiled licenses and offline operations, each applied once',
    tags: station,
    body: sync.pushRequestSchema,
    reply: sync.pushResponseSchema,
  }),
  stationReconcile: def({
    method: 'POST',
    url: '/v1/station/reconcile',
    auth: 'station',
    summary:
      "The station's licenses the hub holds as burned, spoiled or rejected, one page by uuid; the first page clears the audit head the hub recorded (a vault that went back)",
    tags: station,
    body: rec.reconcileRequestSchema,
    reply: rec.reconcileResponseSchema,
  }),

  // the station's supervisor console: only the groups assigned to the calling station (others: 403 NOT_YOUR_GROUP)
  stationProducts: def({
    method: 'GET',
    url: '/v1/station/products',
    auth: 'station',
    summary: 'Products, to pick the target of a product change',
    tags: stationSupervisor,
    reply: s.productListSchema,
  }),
  stationRequestUpdate: def({
    method: 'POST',
    url: '/v1/station/credentials/:id/update-requests',
    auth: 'station',
    summary: "Change product of one of this station's groups (starts confirming_update)",
    tags: stationSupervisor,
    params: s.idParamsSchema,
    body: s.updateRequestInputSchema,
    reply: s.updateTransitionSchema,
  }),
  stationListUpdates: def({
    method: 'GET',
    url: '/v1/station/credentials/:id/update-requests',
    auth: 'station',
    summary: 'Update history of a group this station sees',
    tags: stationSupervisor,
    params: s.idParamsSchema,
    reply: s.updateRequestListSchema,
  }),
  stationGetUpdate: def({
    method: 'GET',
    url: '/v1/station/update-requests/:id',
    auth: 'station',
    summary: 'Details of one update of a group this station sees',
    tags: stationSupervisor,
    params: s.idParamsSchema,
    reply: s.updateDetailsSchema,
  }),
  stationRecallUpdate: def({
    method: 'POST',
    url: '/v1/station/update-requests/:id/recall',
    auth: 'station',
    summary: "Recall a product change of one of this station's groups",
    tags: stationSupervisor,
    params: s.idParamsSchema,
    reply: s.updateTransitionSchema,
  }),
  stationHistory: def({
    method: 'GET',
    url: '/v1/station/credentials/:id/history',
    auth: 'station',
    summary: 'Everything that happened to a group this station sees',
    tags: stationSupervisor,
    params: s.idParamsSchema,
    reply: s.credentialHistorySchema,
  }),
  stationStartThirdPartyJob: def({
    method: 'POST',
    url: '/v1/station/credentials/:id/third-party-jobs',
    auth: 'station',
    summary: "Generate HomeKit / Find My resources for one of this station's groups",
    tags: stationSupervisor,
    params: s.idParamsSchema,
    body: s.thirdPartyJobInputSchema,
    reply: s.jobSchema,
  }),
  stationGetJob: def({
    method: 'GET',
    url: '/v1/station/jobs/:id',
    auth: 'station',
    summary: 'Progress of a job of a group this station sees',
    tags: stationSupervisor,
    params: s.idParamsSchema,
    reply: s.jobSchema,
  }),
  stationNotices: def({
    method: 'GET',
    url: '/v1/station/notices',
    auth: 'station',
    summary: 'Notices about the groups this station sees',
    tags: stationSupervisor,
    reply: s.noticeListSchema,
  }),
  stationSendDownloadCode: def({
    method: 'POST',
    url: '/v1/station/credentials/:id/download-codes',
    auth: 'station',
    summary: 'Send a one-time download code to the contact the hub operator set for this station',
    tags: stationSupervisor,
    params: s.idParamsSchema,
    body: s.stationDownloadCodeInputSchema,
    reply: s.downloadCodeSchema,
  }),
  stationDownloadPreview: def({
    method: 'GET',
    url: '/v1/station/credentials/:id/download-preview',
    auth: 'station',
    summary: "How many licenses a download of one of this station's groups would hand out, before a code is asked for",
    tags: stationSupervisor,
    params: s.idParamsSchema,
    reply: s.downloadPreviewSchema,
  }),
  stationDownload: def({
    method: 'POST',
    url: '/v1/station/credentials/:id/download',
    auth: 'station',
    summary: "Download the unused licenses of one of this station's groups with the one-time code",
    tags: stationSupervisor,
    params: s.idParamsSchema,
    body: s.downloadInputSchema,
    reply: s.downloadSchema,
  }),

  // products
  createProduct: def({
    method: 'POST',
    url: '/v1/admin/products',
    auth: 'account',
    roles: platform,
    summary: 'Create or update a product',
    tags: admin,
    body: s.productInputSchema,
    reply: s.productSchema,
  }),
  listProducts: def({
    method: 'GET',
    url: '/v1/admin/products',
    auth: 'account',
    roles: anyone,
    summary: 'List products',
    tags: admin,
    reply: s.productListSchema,
  }),

  // factories, lines, stations
  createFactory: def({
    method: 'POST',
    url: '/v1/admin/factories',
    auth: 'account',
    roles: owner,
    summary: 'Create a factory',
    tags: admin,
    body: s.nameInputSchema,
    reply: s.factorySchema,
  }),
  listFactories: def({
    method: 'GET',
    url: '/v1/admin/factories',
    auth: 'account',
    roles: anyone,
    summary: 'Factories with their lines and stations',
    tags: admin,
    reply: s.factoryListSchema,
  }),
  createLine: def({
    method: 'POST',
    url: '/v1/admin/factories/:id/lines',
    auth: 'account',
    roles: ownerOrFactory,
    summary: 'Add a line to a factory',
    tags: admin,
    params: s.idParamsSchema,
    body: s.nameInputSchema,
    reply: s.lineSchema,
  }),
  createStation: def({
    method: 'POST',
    url: '/v1/admin/lines/:id/stations',
    auth: 'account',
    roles: ownerOrFactory,
    summary: 'Add a station to a line',
    tags: admin,
    params: s.idParamsSchema,
    body: s.nameInputSchema,
    reply: s.stationSchema,
  }),
  createEnrollmentCode: def({
    method: 'POST',
    url: '/v1/admin/stations/:id/enrollment-codes',
    auth: 'account',
    roles: ownerOrFactory,
    summary: 'One-time enrollment code for a station (shown once)',
    tags: admin,
    params: s.idParamsSchema,
    body: s.enrollmentCodeInputSchema,
    reply: s.enrollmentCodeSchema,
  }),
  setDownloadContact: def({
    method: 'POST',
    url: '/v1/admin/stations/:id/download-contact',
    auth: 'account',
    roles: ownerOrFactory,
    summary: "Where the hub sends the station's download codes (email or SMS)",
    tags: admin,
    params: s.idParamsSchema,
    body: s.downloadContactSchema,
    reply: s.stationSchema,
  }),
  revokeStation: def({
    method: 'POST',
    url: '/v1/admin/stations/:id/revoke',
    auth: 'account',
    roles: ownerOrFactory,
    summary: "Revoke a station's token",
    tags: admin,
    params: s.idParamsSchema,
    reply: s.stationSchema,
  }),

  // credentials
  createCredential: def({
    method: 'POST',
    url: '/v1/admin/credentials',
    auth: 'account',
    roles: owner,
    summary: 'Create a credential (group); import its licenses next',
    tags: admin,
    body: s.credentialInputSchema,
    reply: s.credentialSchema,
  }),
  listCredentials: def({
    method: 'GET',
    url: '/v1/admin/credentials',
    auth: 'account',
    roles: anyone,
    summary: "My credentials or customer's credentials",
    tags: admin,
    querystring: s.credentialListQuerySchema,
    reply: s.credentialListSchema,
  }),
  getCredential: def({
    method: 'GET',
    url: '/v1/admin/credentials/:id',
    auth: 'account',
    roles: anyone,
    summary: 'One credential with its license counts',
    tags: admin,
    params: s.idParamsSchema,
    reply: s.credentialSchema,
  }),
  confirmCredential: def({
    method: 'POST',
    url: '/v1/admin/credentials/:id/confirm',
    auth: 'account',
    roles: owner,
    summary: "Confirm a customer's credential before use",
    tags: admin,
    params: s.idParamsSchema,
    reply: s.credentialSchema,
  }),
  importLicenses: def({
    method: 'POST',
    url: '/v1/admin/credentials/:id/licenses',
    auth: 'account',
    roles: owner,
    summary: 'Import licenses (all or nothing)',
    tags: admin,
    params: s.idParamsSchema,
    body: s.licenseImportSchema,
    reply: s.importResultSchema,
  }),
  importLicenseFile: def({
    method: 'POST',
    url: '/v1/admin/credentials/:id/import',
    auth: 'account',
    roles: owner,
    summary: 'Import a license list file with the shared parser (all or nothing)',
    tags: admin,
    params: s.idParamsSchema,
    body: s.licenseFileImportSchema,
    reply: s.importResultSchema,
  }),
  split: def({
    method: 'POST',
    url: '/v1/admin/credentials/:id/split',
    auth: 'account',
    roles: owner,
    summary: 'Split quantity: P purchased + F free unused licenses into a new credential',
    tags: admin,
    params: s.idParamsSchema,
    body: s.splitInputSchema,
    reply: s.splitResultSchema,
  }),
  setPid: def({
    method: 'POST',
    url: '/v1/admin/credentials/:id/pid',
    auth: 'account',
    roles: ownerOrFactory,
    summary:
      "Set a group's PID: on the hub it is its product's PID, so only that one is accepted (PID_IS_PRODUCT; another PID is a product change)",
    tags: admin,
    params: s.idParamsSchema,
    body: s.setPidInputSchema,
    reply: s.credentialSchema,
  }),
  assign: def({
    method: 'POST',
    url: '/v1/admin/credentials/:id/assign',
    auth: 'account',
    roles: ownerOrFactory,
    summary: 'Assign to a factory / line / station',
    tags: admin,
    params: s.idParamsSchema,
    body: s.assignInputSchema,
    reply: s.credentialSchema,
  }),
  history: def({
    method: 'GET',
    url: '/v1/admin/credentials/:id/history',
    auth: 'account',
    roles: anyone,
    summary: 'Everything that happened to a credential',
    tags: admin,
    params: s.idParamsSchema,
    reply: s.credentialHistorySchema,
  }),

  // change product
  requestUpdate: def({
    method: 'POST',
    url: '/v1/admin/credentials/:id/update-requests',
    auth: 'account',
    roles: owner,
    summary: 'Change product of the unused licenses (starts confirming_update)',
    tags: admin,
    params: s.idParamsSchema,
    body: s.updateRequestInputSchema,
    reply: s.updateTransitionSchema,
  }),
  previewUpdate: def({
    method: 'GET',
    url: '/v1/admin/credentials/:id/update-preview',
    auth: 'account',
    roles: owner,
    summary:
      'Confirm Update Info: the licenses a product change would apply to and its price difference, as the request would compute them',
    tags: admin,
    params: s.idParamsSchema,
    querystring: s.updateRequestInputSchema,
    reply: s.updatePreviewSchema,
  }),
  listUpdates: def({
    method: 'GET',
    url: '/v1/admin/credentials/:id/update-requests',
    auth: 'account',
    roles: anyone,
    summary: 'Update history of a credential',
    tags: admin,
    params: s.idParamsSchema,
    reply: s.updateRequestListSchema,
  }),
  getUpdate: def({
    method: 'GET',
    url: '/v1/admin/update-requests/:id',
    auth: 'account',
    roles: anyone,
    summary: 'Details of one update',
    tags: admin,
    params: s.idParamsSchema,
    reply: s.updateDetailsSchema,
  }),
  approveUpdate: def({
    method: 'POST',
    url: '/v1/admin/update-requests/:id/approve',
    auth: 'account',
    roles: platform,
    summary: 'Approve: updated, or being_paid when there is a difference to pay',
    tags: admin,
    params: s.idParamsSchema,
    reply: s.updateTransitionSchema,
  }),
  payUpdate: def({
    method: 'POST',
    url: '/v1/admin/update-requests/:id/pay',
    auth: 'account',
    roles: platform,
    summary: 'Record the payment of the price difference: updated',
    tags: admin,
    params: s.idParamsSchema,
    body: s.payInputSchema,
    reply: s.updateTransitionSchema,
  }),
  rejectUpdate: def({
    method: 'POST',
    url: '/v1/admin/update-requests/:id/reject',
    auth: 'account',
    roles: platform,
    summary: 'Reject a request under review with a reason: the credential is usable again as it was',
    tags: admin,
    params: s.idParamsSchema,
    body: s.rejectInputSchema,
    reply: s.updateTransitionSchema,
  }),
  recallUpdate: def({
    method: 'POST',
    url: '/v1/admin/update-requests/:id/recall',
    auth: 'account',
    roles: owner,
    summary: 'Recall a request under review: the credential is usable again',
    tags: admin,
    params: s.idParamsSchema,
    reply: s.updateTransitionSchema,
  }),

  // third-party resources
  startThirdPartyJob: def({
    method: 'POST',
    url: '/v1/admin/credentials/:id/third-party-jobs',
    auth: 'account',
    roles: owner,
    summary: 'Generate HomeKit / Find My resources (background job)',
    tags: admin,
    params: s.idParamsSchema,
    body: s.thirdPartyJobInputSchema,
    reply: s.jobSchema,
  }),
  getJob: def({
    method: 'GET',
    url: '/v1/admin/jobs/:id',
    auth: 'account',
    roles: anyone,
    summary: 'Progress of a job',
    tags: admin,
    params: s.idParamsSchema,
    reply: s.jobSchema,
  }),
  listNotices: def({
    method: 'GET',
    url: '/v1/admin/notices',
    auth: 'account',
    roles: anyone,
    summary: 'Notices (e.g. a job is done)',
    tags: admin,
    reply: s.noticeListSchema,
  }),

  // download
  sendDownloadCode: def({
    method: 'POST',
    url: '/v1/admin/credentials/:id/download-codes',
    auth: 'account',
    roles: owner,
    summary: 'Send a one-time download code by email or SMS',
    tags: admin,
    params: s.idParamsSchema,
    body: s.downloadCodeInputSchema,
    reply: s.downloadCodeSchema,
  }),
  download: def({
    method: 'POST',
    url: '/v1/admin/credentials/:id/download',
    auth: 'account',
    roles: owner,
    summary: 'Download the unused licenses with the one-time code',
    tags: admin,
    params: s.idParamsSchema,
    body: s.downloadInputSchema,
    reply: s.downloadSchema,
  }),

  // reports
  // people: accounts, sign-in, API keys
  login: def({
    method: 'POST',
    url: '/v1/auth/login',
    auth: 'none',
    summary: 'Sign in: sets the session cookie and answers the CSRF token',
    tags: auth,
    body: a.loginInputSchema,
    reply: a.sessionSchema,
  }),
  session: def({
    method: 'GET',
    url: '/v1/auth/session',
    auth: 'session',
    summary: 'The signed-in account, its CSRF token and what it must do first',
    tags: auth,
    reply: a.sessionSchema,
  }),
  logout: def({
    method: 'POST',
    url: '/v1/auth/logout',
    auth: 'session',
    summary: 'Sign out (this session)',
    tags: auth,
    reply: a.signedOutSchema,
  }),
  logoutAll: def({
    method: 'POST',
    url: '/v1/auth/logout-all',
    auth: 'session',
    summary: 'Sign out everywhere: ends every session of the account',
    tags: auth,
    reply: a.signedOutSchema,
  }),
  changePassword: def({
    method: 'POST',
    url: '/v1/account/password',
    auth: 'session',
    summary: "Change the password (ends the account's other sessions)",
    tags: auth,
    body: a.changePasswordInputSchema,
    reply: a.sessionSchema,
  }),
  setupTotp: def({
    method: 'POST',
    url: '/v1/account/totp',
    auth: 'session',
    summary: 'Start setting up the second factor: a secret for the authenticator app',
    tags: auth,
    reply: a.totpSetupSchema,
  }),
  confirmTotp: def({
    method: 'POST',
    url: '/v1/account/totp/confirm',
    auth: 'session',
    summary: 'Turn the second factor on with a code from the authenticator app',
    tags: auth,
    body: a.totpConfirmInputSchema,
    reply: a.sessionSchema,
  }),
  setStationPin: def({
    method: 'POST',
    url: '/v1/account/station-pin',
    auth: 'session',
    summary: "Set this factory account's own PIN for its factory's stations (they get its hash on their next pull)",
    tags: auth,
    body: a.stationPinInputSchema,
    reply: a.accountSchema,
  }),
  setContact: def({
    method: 'POST',
    url: '/v1/account/contact',
    auth: 'session',
    summary: "Set this account's email or phone and send a code to verify it (download codes go only to a verified contact)",
    tags: auth,
    body: a.contactInputSchema,
    reply: a.contactCodeSchema,
  }),
  verifyContact: def({
    method: 'POST',
    url: '/v1/account/contact/verify',
    auth: 'session',
    summary: 'Verify the email or phone with the code sent to it',
    tags: auth,
    body: a.contactVerifyInputSchema,
    reply: a.sessionSchema,
  }),
  createApiKey: def({
    method: 'POST',
    url: '/v1/account/api-keys',
    auth: 'session',
    summary: "A named API key for scripts, with this account's role (shown once)",
    tags: auth,
    body: a.apiKeyInputSchema,
    reply: a.newApiKeySchema,
  }),
  listApiKeys: def({
    method: 'GET',
    url: '/v1/account/api-keys',
    auth: 'session',
    summary: "This account's API keys (never the keys themselves)",
    tags: auth,
    reply: a.apiKeyListSchema,
  }),
  revokeApiKey: def({
    method: 'POST',
    url: '/v1/account/api-keys/:id/revoke',
    auth: 'session',
    summary: "Revoke one of this account's API keys",
    tags: auth,
    params: s.idParamsSchema,
    reply: a.apiKeySchema,
  }),

  createUser: def({
    method: 'POST',
    url: '/v1/admin/users',
    auth: 'account',
    roles: platform,
    summary: 'Add an account (answers its one-time password, once)',
    tags: people,
    body: a.accountInputSchema,
    reply: a.oneTimePasswordSchema,
  }),
  listUsers: def({
    method: 'GET',
    url: '/v1/admin/users',
    auth: 'account',
    roles: peopleReaders,
    summary: 'Accounts and their roles',
    tags: people,
    reply: a.accountListSchema,
  }),
  disableUser: def({
    method: 'POST',
    url: '/v1/admin/users/:id/disable',
    auth: 'account',
    roles: platform,
    summary: 'Disable an account: its sessions end and its API keys stop working',
    tags: people,
    params: s.idParamsSchema,
    reply: a.accountSchema,
  }),
  resetPassword: def({
    method: 'POST',
    url: '/v1/admin/users/:id/reset-password',
    auth: 'account',
    roles: platform,
    summary: "A new one-time password (shown once); the account's sessions end",
    tags: people,
    params: s.idParamsSchema,
    reply: a.oneTimePasswordSchema,
  }),
  setStationAccess: def({
    method: 'POST',
    url: '/v1/admin/users/:id/station-access',
    auth: 'account',
    roles: platformOrFactory,
    summary: "A factory account at its factory's stations: operator number, badge, or its station PIN removed",
    tags: people,
    params: s.idParamsSchema,
    body: a.stationAccessInputSchema,
    reply: a.accountSchema,
  }),
  setRole: def({
    method: 'POST',
    url: '/v1/admin/users/:id/role',
    auth: 'account',
    roles: platform,
    summary: "Change an account's role (and factory); its sessions end",
    tags: people,
    params: s.idParamsSchema,
    body: a.setRoleInputSchema,
    reply: a.accountSchema,
  }),

  // audit
  audit: def({
    method: 'GET',
    url: '/v1/audit',
    auth: 'account',
    roles: readers,
    summary: 'Who did what: filter by actor, credential, kind and time',
    tags: audit,
    querystring: a.auditQuerySchema,
    reply: a.auditListSchema,
  }),
  auditCsv: def({
    method: 'GET',
    url: '/v1/audit/export.csv',
    auth: 'account',
    roles: readers,
    contentType: 'text/csv',
    summary: 'The same entries as CSV',
    tags: audit,
    querystring: a.auditQuerySchema,
    reply: a.auditCsvSchema,
  }),
  auditVerify: def({
    method: 'GET',
    url: '/v1/audit/verify',
    auth: 'account',
    roles: readers,
    summary: 'Walk the hash chain of the audit log; names the first broken link',
    tags: audit,
    reply: a.auditVerificationSchema,
  }),

  // the hub console (console/): pages the browser shows, computed by the hub
  consoleCredentials: def({
    method: 'GET',
    url: '/v1/console/credentials',
    auth: 'account',
    roles: anyone,
    summary: "One page of my or customer's credentials: searched, filtered, sorted, with counts and the actions allowed",
    tags: consoleTag,
    querystring: con.consoleCredentialQuerySchema,
    reply: con.consoleCredentialPageSchema,
  }),
  consoleResources: def({
    method: 'GET',
    url: '/v1/console/credentials/:id/resources',
    auth: 'account',
    roles: anyone,
    summary: "The HomeKit / Find My resources of a credential's licenses, one page, with its jobs",
    tags: consoleTag,
    params: s.idParamsSchema,
    querystring: con.resourceQuerySchema,
    reply: con.resourceListSchema,
  }),
  consoleResourcesFile: def({
    method: 'GET',
    url: '/v1/console/credentials/:id/resources/file',
    auth: 'account',
    roles: ownerOrFactory,
    contentType: 'text/csv',
    audited: true,
    summary: 'Every resource of a credential as a CSV file (recorded in the audit log)',
    tags: consoleTag,
    params: s.idParamsSchema,
    querystring: con.resourceFileQuerySchema,
    reply: con.resourceFileSchema,
  }),
  consoleFleet: def({
    method: 'GET',
    url: '/v1/console/fleet',
    auth: 'account',
    roles: anyone,
    summary: "Each station's last sync, outbox, burns and suspects; each group's licenses left, burn rate and when it runs dry",
    tags: consoleTag,
    reply: con.fleetSchema,
  }),

  credentialReport: def({
    method: 'GET',
    url: '/v1/admin/reports/credentials',
    auth: 'account',
    roles: anyone,
    summary: 'Per credential: purchased, free, used, unused',
    tags: admin,
    reply: s.credentialReportSchema,
  }),
  stationReport: def({
    method: 'GET',
    url: '/v1/admin/reports/stations',
    auth: 'account',
    roles: anyone,
    summary: 'Per station: leased, burned, spoiled, last seen',
    tags: admin,
    reply: s.stationReportSchema,
  }),
} as const;

export type HubRouteName = keyof typeof hubRoutes;
type Part<N extends HubRouteName, K extends 'body' | 'params' | 'querystring' | 'reply'> =
  (typeof hubRoutes)[N] extends Record<K, infer S> ? (S extends z.ZodType ? S : never) : never;
/** What a client sends (defaults may be left out). */
export type RouteBody<N extends HubRouteName> = z.input<Part<N, 'body'>>;
export type RouteParams<N extends HubRouteName> = z.infer<Part<N, 'params'>>;
export type RouteQuery<N extends HubRouteName> = z.input<Part<N, 'querystring'>>;
/** What the hub answers with 200. */
export type RouteReply<N extends HubRouteName> = z.infer<Part<N, 'reply'>>;
/** What the route handler receives after validation. */
export type ParsedBody<N extends HubRouteName> = z.output<Part<N, 'body'>>;
export type ParsedQuery<N extends HubRouteName> = z.output<Part<N, 'querystring'>>;
