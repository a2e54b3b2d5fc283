import { AppError } from '../../common/errors';
import type { HubRouteName, ParsedBody, ParsedQuery, RouteParams, RouteReply } from '../../common/hub-api';
import type { StationTable } from '../store/schema';
import type { HubDeps } from '../services/context';
import * as credentials from '../services/credentials';
import * as download from '../services/download';
import { importLicenseFile } from '../services/import-file';
import * as jobs from '../services/jobs';
import * as products from '../services/products';
import * as reports from '../services/reports';
import * as stationSupervisor from '../services/station-supervisor';
import * as stations from '../services/stations';
import * as sync from '../services/sync';
import * as updates from '../services/updates';

interface Ctx<N extends HubRouteName> {
  body: ParsedBody<N>;
  params: RouteParams<N>;
  query: ParsedQuery<N>;
  station: StationTable | null;
}
type Handler<N extends HubRouteName> = (deps: HubDeps, ctx: Ctx<N>) => Promise<RouteReply<N>>;

const station = (s: StationTable | null): StationTable => {
  if (!s) throw new AppError('UNAUTHORIZED', 'This route needs a station token.');
  return s;
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
  push: (deps, c) => sync.push(deps, station(c.station), c.body.items),

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
  stationDownload: (deps, c) => stationSupervisor.downloadLicenses(deps, station(c.station), c.params.id, c.body),

  createProduct: (deps, c) => products.upsertProduct(deps, c.body),
  listProducts: (deps) => products.listProducts(deps),

  createFactory: (deps, c) => stations.createFactory(deps, c.body.name),
  listFactories: (deps) => stations.listFactories(deps),
  createLine: (deps, c) => stations.createLine(deps, c.params.id, c.body.name),
  createStation: (deps, c) => stations.createStation(deps, c.params.id, c.body.name),
  createEnrollmentCode: (deps, c) => stations.createEnrollmentCode(deps, c.params.id, c.body.ttlMinutes),
  setDownloadContact: (deps, c) => stations.setDownloadContact(deps, c.params.id, c.body),
  revokeStation: (deps, c) => stations.revokeStation(deps, c.params.id),

  createCredential: (deps, c) => credentials.createCredential(deps, c.body),
  listCredentials: (deps, c) => credentials.listCredentials(deps, c.query),
  getCredential: (deps, c) => credentials.getCredential(deps, c.params.id),
  confirmCredential: (deps, c) => credentials.confirmCredential(deps, c.params.id),
  importLicenses: (deps, c) => credentials.importLicenses(deps, c.params.id, c.body.kind, c.body.licenses),
  importLicenseFile: (deps, c) => importLicenseFile(deps, c.params.id, c.body.kind, c.body.fileName, decodeBase64(c.body.contentBase64)),
  split: (deps, c) => credentials.splitCredential(deps, c.params.id, c.body),
  assign: (deps, c) => credentials.assignCredential(deps, c.params.id, c.body),
  history: (deps, c) => credentials.credentialHistory(deps, c.params.id),

  requestUpdate: (deps, c) => updates.requestUpdate(deps, c.params.id, c.body),
  listUpdates: (deps, c) => updates.listUpdates(deps, c.params.id),
  getUpdate: (deps, c) => updates.getUpdate(deps, c.params.id),
  approveUpdate: (deps, c) => updates.approveUpdate(deps, c.params.id),
  payUpdate: (deps, c) => updates.payUpdate(deps, c.params.id, c.body.paymentReference),
  recallUpdate: (deps, c) => updates.recallUpdate(deps, c.params.id),

  startThirdPartyJob: (deps, c) => jobs.startThirdPartyJob(deps, c.params.id, c.body),
  getJob: (deps, c) => jobs.getJob(deps, c.params.id),
  listNotices: (deps) => jobs.listNotices(deps),

  sendDownloadCode: (deps, c) => download.sendDownloadCode(deps, c.params.id, c.body),
  download: (deps, c) => download.downloadLicenses(deps, c.params.id, c.body),

  credentialReport: (deps) => reports.credentialReport(deps),
  stationReport: (deps) => reports.stationReport(deps),
};
