import { AppError } from '../../common/errors';
import type { HubRouteName, ParsedBody, ParsedQuery, RouteParams, RouteReply } from '../../common/hub-api';
import type { StationTable } from '../store/schema';
import * as accounts from '../services/accounts';
import type { Principal } from '../services/accounts';
import * as audit from '../services/audit';
import type { HubDeps } from '../services/context';
import * as scope from '../services/scope';
import * as consoleViews from '../services/console';
import * as contacts from '../services/contacts';
import * as credentials from '../services/credentials';
import * as download from '../services/download';
import * as fleet from '../services/fleet';
import { importLicenseFile } from '../services/import-file';
import * as jobs from '../services/jobs';
import * as products from '../services/products';
import { reconcile } from '../services/reconcile';
import * as pushes from '../services/push';
import * as reports from '../services/reports';
import * as resources from '../services/resources';
import * as stationSupervisor from '../services/station-supervisor';
import * as stations from '../services/stations';
import * as sync from '../services/sync';
import * as updates from '../services/updates';

/** What the HTTP layer lends a handler beyond the parsed request. */
export interface HttpSide {
  address: string | null;
  /** Sets (or, with null, clears) the session cookie. */
  setSession(token: string | null): void;
  /** Names the account a sign-in made, for the audit entry of the request. */
  signedIn(account: { id: string; name: string; role: string }): void;
}

export interface Ctx<N extends HubRouteName> {
  body: ParsedBody<N>;
  params: RouteParams<N>;
  query: ParsedQuery<N>;
  station: StationTable | null;
  principal: Principal | null;
  http: HttpSide;
}
type Handler<N extends HubRouteName> = (deps: HubDeps, ctx: Ctx<N>) => Promise<RouteReply<N>>;

const station = (s: StationTable | null): StationTable => {
  if (!s) throw new AppError('UNAUTHORIZED', 'This route needs a station token.');
  return s;
};

const own = (p: Principal | null): Principal => {
  if (!p) throw new AppError('UNAUTHORIZED', 'Sign in first.');
  return p;
};

function decodeBase64(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/=\s]*$/.test(text)) throw new AppError('BAD_BASE64', 'contentBase64 is not base64.');
  return Buffer.from(text, 'base64');
}

/** One service call per route. */
export const handlers: { [N in HubRouteName]: Handler<N> } = {
  health: async (deps) => ({ ok: true, store: deps.store.dialect, version: '0.1.0', instanceId: deps.instanceId }),

  enroll: (deps, c) => stations.enroll(deps, c.body),
  stationSelf: async (_deps, c) => stations.stationSelf(station(c.station)),
  pull: (deps, c) => sync.pull(deps, station(c.station), c.body),
  push: (deps, c) => pushes.push(deps, station(c.station), c.body.items, { auditHead: c.body.auditHead, status: c.body.status }),
  stationReconcile: (deps, c) => reconcile(deps, station(c.station), c.body),

  stationProducts: (deps) => products.listProducts(deps),
  stationRequestUpdate: (deps, c) => stationSupervisor.requestUpdate(deps, station(c.station), c.params.id, c.body),
  stationListUpdates: (deps, c) => stationSupervisor.listUpdates(deps, station(c.station), c.params.id),
  stationGetUpdate: (deps, c) => stationSupervisor.getUpdate(deps, station(c.station), c.params.id),
  stationRecallUpdate: (deps, c) => stationSupervisor.recallUpdate(deps, station(c.station), c.params.id),
  stationHistory: (deps, c) => stationSupervisor.history(deps, station(c.station), c.params.id),
  stationStartThirdPartyJob: (deps, c) => stationSupervisor.startThirdPartyJob(deps, station(c.station), c.params.id, c.body),
  stationGetJob: (deps, c) => stationSupervisor.getJob(deps, station(c.station), c.params.id),
  stationNotices: (deps, c) => stationSupervisor.notices(deps, station(c.station)),
  stationSendDownloadCode: (deps, c) => stationSupervisor.sendDownloadCode(deps, station(c.station), c.params.id),
  stationDownloadPreview: (deps, c) => stationSupervisor.downloadPreview(deps, station(c.station), c.params.id),
  stationDownload: (deps, c) => stationSupervisor.downloadLicenses(deps, station(c.station), c.params.id, c.body),

  createProduct: (deps, c) => products.upsertProduct(deps, c.body),
  listProducts: (deps) => products.listProducts(deps),

  createFactory: (deps, c) => stations.createFactory(deps, c.body.name),
  listFactories: (deps, c) => stations.listFactories(deps, scope.factoryScope(c.principal)),
  createLine: async (deps, c) => {
    scope.assertFactoryInScope(c.principal, c.params.id);
    return stations.createLine(deps, c.params.id, c.body.name);
  },
  createStation: async (deps, c) => {
    await scope.assertLineInScope(deps, c.principal, c.params.id);
    return stations.createStation(deps, c.params.id, c.body.name);
  },
  createEnrollmentCode: async (deps, c) => {
    await scope.assertStationInScope(deps, c.principal, c.params.id);
    return stations.createEnrollmentCode(deps, c.params.id, c.body.ttlMinutes);
  },
  setDownloadContact: async (deps, c) => {
    await scope.assertStationInScope(deps, c.principal, c.params.id);
    return stations.setDownloadContact(deps, c.params.id, c.body);
  },
  revokeStation: async (deps, c) => {
    await scope.assertStationInScope(deps, c.principal, c.params.id);
    return stations.revokeStation(deps, c.params.id);
  },

  createCredential: (deps, c) => credentials.createCredential(deps, c.body),
  listCredentials: (deps, c) => credentials.listCredentials(deps, c.query, scope.factoryScope(c.principal)),
  getCredential: async (deps, c) => {
    await scope.assertCredentialInScope(deps, c.principal, c.params.id);
    return credentials.getCredential(deps, c.params.id);
  },
  confirmCredential: (deps, c) => credentials.confirmCredential(deps, c.params.id),
  importLicenses: (deps, c) => credentials.importLicenses(deps, c.params.id, c.body.kind, c.body.licenses),
  importLicenseFile: (deps, c) => importLicenseFile(deps, c.params.id, c.body.kind, c.body.fileName, decodeBase64(c.body.contentBase64)),
  split: (deps, c) => credentials.splitCredential(deps, c.params.id, c.body),
  setPid: async (deps, c) => {
    await scope.assertCredentialInScope(deps, c.principal, c.params.id);
    return credentials.setCredentialPid(deps, c.params.id, c.body.pid);
  },
  assign: async (deps, c) => {
    // A factory account moves credentials between its lines and stations, never to another factory.
    await scope.assertCredentialInScope(deps, c.principal, c.params.id);
    scope.assertFactoryInScope(c.principal, c.body.factoryId);
    return credentials.assignCredential(deps, c.params.id, c.body, scope.factoryGuard(c.principal));
  },
  history: async (deps, c) => {
    await scope.assertCredentialInScope(deps, c.principal, c.params.id);
    return credentials.credentialHistory(deps, c.params.id);
  },

  requestUpdate: (deps, c) => updates.requestUpdate(deps, c.params.id, c.body),
  previewUpdate: (deps, c) => updates.previewUpdate(deps, c.params.id, c.query),
  listUpdates: async (deps, c) => {
    await scope.assertCredentialInScope(deps, c.principal, c.params.id);
    return updates.listUpdates(deps, c.params.id);
  },
  getUpdate: async (deps, c) => {
    await scope.assertUpdateInScope(deps, c.principal, c.params.id);
    return updates.getUpdate(deps, c.params.id);
  },
  approveUpdate: (deps, c) => updates.approveUpdate(deps, c.params.id),
  payUpdate: (deps, c) => updates.payUpdate(deps, c.params.id, c.body.paymentReference),
  rejectUpdate: (deps, c) => updates.rejectUpdate(deps, c.params.id, c.body.reason),
  recallUpdate: (deps, c) => updates.recallUpdate(deps, c.params.id),

  startThirdPartyJob: (deps, c) => jobs.startThirdPartyJob(deps, c.params.id, c.body),
  getJob: async (deps, c) => {
    await scope.assertJobInScope(deps, c.principal, c.params.id);
    return jobs.getJob(deps, c.params.id);
  },
  listNotices: (deps, c) => jobs.listNotices(deps, undefined, scope.factoryScope(c.principal)),

  sendDownloadCode: (deps, c) => download.sendDownloadCode(deps, c.params.id, contacts.verifiedContact(own(c.principal).account, c.body)),
  download: (deps, c) => download.downloadLicenses(deps, c.params.id, c.body),

  consoleCredentials: (deps, c) => consoleViews.listConsoleCredentials(deps, own(c.principal), c.query),
  consoleFleet: (deps, c) => fleet.fleet(deps, scope.factoryScope(c.principal)),
  consoleResources: async (deps, c) => {
    await scope.assertCredentialInScope(deps, c.principal, c.params.id);
    return resources.listResources(deps, c.params.id, c.query);
  },
  consoleResourcesFile: async (deps, c) => {
    await scope.assertCredentialInScope(deps, c.principal, c.params.id);
    return resources.resourcesFile(deps, c.params.id, c.query);
  },

  credentialReport: (deps, c) => reports.credentialReport(deps, scope.factoryScope(c.principal)),
  stationReport: (deps, c) => reports.stationReport(deps, scope.factoryScope(c.principal)),

  login: async (deps, c) => {
    const r = await accounts.login(deps, c.body, c.http.address);
    c.http.setSession(r.token);
    c.http.signedIn(r.account);
    return r.session;
  },
  session: async (deps, c) => accounts.currentSession(deps, own(c.principal)),
  logout: async (deps, c) => {
    const r = await accounts.logout(deps, own(c.principal), false);
    c.http.setSession(null);
    return r;
  },
  logoutAll: async (deps, c) => {
    const r = await accounts.logout(deps, own(c.principal), true);
    c.http.setSession(null);
    return r;
  },
  changePassword: (deps, c) => accounts.changePassword(deps, own(c.principal), c.body.currentPassword, c.body.newPassword),
  setupTotp: (deps, c) => accounts.setupTotp(deps, own(c.principal)),
  confirmTotp: (deps, c) => accounts.confirmTotp(deps, own(c.principal), c.body.code),
  setContact: (deps, c) => contacts.setContact(deps, own(c.principal), c.body),
  verifyContact: (deps, c) => contacts.verifyContact(deps, own(c.principal), c.body),
  createApiKey: (deps, c) => accounts.createApiKey(deps, own(c.principal).account.id, c.body.name),
  listApiKeys: (deps, c) => accounts.listApiKeys(deps, own(c.principal).account.id),
  revokeApiKey: (deps, c) => accounts.revokeApiKey(deps, own(c.principal).account.id, c.params.id),

  createUser: (deps, c) => accounts.createAccount(deps, c.body),
  listUsers: (deps) => accounts.listAccounts(deps),
  disableUser: (deps, c) => accounts.disableAccount(deps, c.params.id),
  resetPassword: (deps, c) => accounts.resetPassword(deps, c.params.id),
  setRole: (deps, c) => accounts.setRole(deps, c.params.id, c.body),
  setStationAccess: (deps, c) => accounts.setStationAccess(deps, c.params.id, c.body, scope.factoryScope(c.principal)),
  setStationPin: (deps, c) => accounts.setStationPin(deps, own(c.principal).account.id, c.body.pin),

  audit: (deps, c) => audit.queryAudit(deps, c.query),
  auditCsv: async (deps, c) => audit.auditToCsv((await audit.queryAudit(deps, c.query)).entries),
  auditVerify: (deps) => audit.verifyAudit(deps),
};
