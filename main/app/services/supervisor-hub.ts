import { AppError, isAppError } from '../../../common/errors';
import type { JobProgress } from '../../../common/api/schemas';
import { historyEntry, operationHistory, updateRequest } from '../views';
import { hubFor, productName, resync, type StationParts, type SupervisorServices } from './context';

/**
 * What only the hub can do, asked with the station's token in the supervisor's name: products, product changes
 * and their recall, update history, third-party resources (polled by HubJobs), one-time codes and downloads.
 */
export function supervisorHub(
  rt: StationParts,
): Pick<
  SupervisorServices,
  'products' | 'changeProduct' | 'recall' | 'requests' | 'history' | 'generateResources' | 'requestCode' | 'downloadPreview' | 'download'
> {
  /** The hub's code id of each group's download code, as the hub sent it. */
  const downloadCodes = new Map<string, string>();
  return {
    products: async (_input, ctx) => {
      rt.setup.ready();
      const products = (await hubFor(rt, ctx).products()).products.map((p) => ({
        pid: p.pid,
        name: p.name,
        priceCents: p.priceCents,
        features: { homekit: p.homekit, findmy: p.findmy },
      }));
      rt.groups.productsRead(products);
      return products;
    },
    changeProduct: async (input, ctx) => {
      rt.setup.ready();
      const r = await hubFor(rt, ctx).requestUpdate(input.groupId, { targetPid: input.targetPid, deliveryMode: input.deliveryMode });
      await resync(rt);
      return updateRequest(r.update, await productName(rt));
    },
    recall: async (input, ctx) => {
      rt.setup.ready();
      const r = await hubFor(rt, ctx).recallUpdate(input.requestId);
      await resync(rt);
      return updateRequest(r.update, await productName(rt));
    },
    requests: async (input, ctx) => {
      const { sync } = rt.setup.ready();
      const ids = input.groupId
        ? [input.groupId]
        : sync.store
            .allMeta()
            .filter((m) => m.assignedToYou)
            .map((m) => m.groupId);
      const name = await productName(rt);
      // a group moved away since the last sync is no longer this station's to read
      const lists = await Promise.all(
        ids.map((id) =>
          hubFor(rt, ctx)
            .listUpdates(id)
            .then(
              (r) => r.updates,
              (e: unknown) => (isAppError(e, 'NOT_YOUR_GROUP') ? [] : Promise.reject(e)),
            ),
        ),
      );
      return lists
        .flat()
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .map((u) => updateRequest(u, name));
    },
    history: async (input, ctx) => {
      const { station, sync } = rt.setup.ready();
      station.group(input.groupId);
      // an applied operation is in the hub's history; pending and refused ones are only here
      const local = sync.store
        .operations()
        .filter((op) => op.groupId === input.groupId && op.status !== 'applied')
        .map(operationHistory);
      const context = {
        productName: sync.store.meta(input.groupId) ? await productName(rt) : (pid: string) => pid,
        stationId: sync.stationId,
      };
      const hub = sync.store.meta(input.groupId)
        ? (
            await hubFor(rt, ctx)
              .history(input.groupId)
              .catch((e: unknown) => (isAppError(e, 'NOT_YOUR_GROUP') ? { events: [] } : Promise.reject(e)))
          ).events.map((e) => historyEntry(e, context))
        : [];
      return [...hub, ...local].sort((a, b) => b.at.localeCompare(a.at));
    },
    generateResources: async (input, ctx) => {
      const group = rt.groups.summary(input.groupId);
      const j = await hubFor(rt, ctx).startThirdPartyJob(input.groupId, { kinds: [input.kind] });
      const job: JobProgress = {
        jobId: j.id,
        kind: 'third_party_resources',
        groupId: input.groupId,
        label: `${input.kind === 'homekit' ? 'HomeKit' : 'Find My'} resources for ${group.name}`,
        resource: input.kind,
        progress: 0,
        state: 'running',
        message: null,
      };
      rt.jobs.watch(job, j.id);
      return job;
    },
    requestCode: async (input, ctx) => {
      rt.setup.ready();
      if (input.purpose === 'report_export') return rt.codes.send(input.purpose);
      if (!input.groupId) throw new AppError('GROUP_REQUIRED', 'Pick the group to download first, then ask for the code.');
      const r = await hubFor(rt, ctx).sendDownloadCode(input.groupId);
      downloadCodes.set(input.groupId, r.codeId);
      return { sentTo: r.sentTo, expiresAt: r.expiresAt };
    },
    downloadPreview: async (input, ctx) => {
      rt.setup.ready();
      const p = await hubFor(rt, ctx).downloadPreview(input.groupId);
      return { licenses: p.licenses, heldByStations: p.heldByStations };
    },
    download: async (input, ctx) => {
      rt.setup.ready();
      const codeId = downloadCodes.get(input.groupId);
      if (codeId === undefined) throw new AppError('CODE_EXPIRED', 'Ask for a one-time code for this group first, then enter it.');
      const r = await hubFor(rt, ctx).download(input.groupId, {
        codeId,
        code: input.code,
        confirmGenerate: input.confirmGenerate ?? false,
      });
      // the code stays known: typed again, the hub answers that it was already used
      const csv =
        ['uuid,authkey,mac,kind', ...r.licenses.map((l) => `${l.uuid},${l.authkey},${l.mac ?? ''},${l.kind}`)].join('\r\n') + '\r\n';
      const filePath = rt.files.write(`licenses-${input.groupId.slice(0, 8)}-${rt.files.stamp()}.csv`, csv);
      await resync(rt);
      return { filePath, licenses: r.licenses.length, group: rt.groups.summary(input.groupId) };
    },
  };
}
