import { burnRecordsSince, burnReportCsv } from '../../ledger';
import { reportFrom } from '../views';
import { supervisorName, type StationParts, type SupervisorServices } from './context';

/** Licenses in and out of the vault and its records: license list import, audit check, reconcile, transfer bundles, burn report. */
export function supervisorRecords(
  rt: StationParts,
): Pick<SupervisorServices, 'importLicenses' | 'auditCheck' | 'reconcile' | 'exportBundle' | 'importBundle' | 'exportReport'> {
  return {
    importLicenses: async (input) => {
      const { station } = rt.setup.ready();
      const bytes = Buffer.from(input.contentBase64, 'base64');
      const r = await station.importLicenseList(bytes, input.fileName, {
        ...(input.groupName ? { groupName: input.groupName } : {}),
        ...(input.pid ? { pid: input.pid } : {}),
      });
      if (!r.ok)
        return {
          fileName: input.fileName,
          imported: false,
          groupId: null,
          rowsRead: 0,
          rowsImported: 0,
          problems: r.errors.slice(0, 500).map((e) => ({ line: Math.max(1, e.line), column: null, reason: e.reason })),
        };
      rt.groups.publish();
      return {
        fileName: input.fileName,
        imported: true,
        groupId: r.groupId,
        rowsRead: r.imported,
        rowsImported: r.imported,
        problems: [],
      };
    },
    auditCheck: () => {
      const v = rt.setup.ready().station.verifyAudit();
      const checkedAt = new Date(rt.clock.now()).toISOString();
      if (v.ok) return { ok: true, entries: v.entries, licenses: v.licenses, firstBroken: null, clockWentBack: v.clockWentBack, checkedAt };
      return {
        ok: false,
        entries: v.entries,
        licenses: v.licenses,
        firstBroken: { seq: v.brokenAt, reason: v.reason, uuid: v.uuid },
        clockWentBack: 0,
        checkedAt,
      };
    },
    reconcile: async (_input, ctx) => {
      const { sync } = rt.setup.ready();
      const by = supervisorName(rt, ctx) ?? 'supervisor';
      const r = await sync.reconcile(by);
      rt.groups.publish();
      return { burned: r.burned, spoiled: r.spoiled, rejected: r.rejected, unchanged: r.unchanged, hubSeq: r.hubSeq, by };
    },
    exportBundle: async (input, ctx) => {
      const { sync } = rt.setup.ready();
      rt.groups.summary(input.groupId);
      const filePath = rt.files.bundlePath(input.groupId);
      const r = await sync.exportBundle({
        groupId: input.groupId,
        filePath,
        ...(input.count !== undefined ? { count: input.count } : {}),
        by: supervisorName(rt, ctx),
      });
      rt.groups.publish();
      // the passphrase is answered once and kept nowhere: the supervisor reads it off the screen
      return {
        bundleId: r.bundleId,
        filePath: r.filePath,
        licenses: r.licenses,
        oneTimePassphrase: r.passphrase,
        group: rt.groups.summary(input.groupId),
      };
    },
    importBundle: async (input, ctx) => {
      const { sync } = rt.setup.ready();
      const r = await rt.files.withBundleFile(input, (path) => sync.importBundle(path, input.passphrase, supervisorName(rt, ctx)));
      rt.groups.publish();
      return { bundleId: r.bundleId, licenses: r.licenses, sourceStationId: r.sourceStationId, group: rt.groups.summary(r.groupId) };
    },
    exportReport: (input) => {
      const { station } = rt.setup.ready();
      rt.codes.check('report_export', input.code);
      const records = burnRecordsSince(station.vault.db, reportFrom(input.range, rt.clock.now()), {
        groupId: input.groupId,
        operator: input.operator,
      });
      const names = new Map(station.groups().map((g) => [g.id, g.name]));
      const filePath = rt.files.write(
        `burn-report-${input.range}-${rt.files.stamp()}.csv`,
        burnReportCsv(records, {
          group: (id) => names.get(id) ?? id,
          slot: (id) => rt.board.numberOf(id),
          operator: (n) => rt.people.operatorLabel(n),
        }),
      );
      return { filePath, rows: records.length };
    },
  };
}
