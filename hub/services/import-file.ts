import { AppError } from '../../common/errors';
import type { ImportResult, LicenseKind } from '../../common/hub-api';
import { describeLicenseListErrors, findKnownUuids, parseLicenseList, type LicenseListError } from '../../common/import';
import { readXlsxSheet } from '../../node/xlsx';
import type { HubDeps } from './context';
import { getCredential, importLicenses } from './credentials';
import { chunks } from './util';

/**
 * Imports a license list file (the platform's CSV/XLSX download) with the
 * parser the station uses too, all or nothing: any bad row refuses the file
 * and the answer names every bad line.
 */
export async function importLicenseFile(
  deps: HubDeps,
  credentialId: string,
  kind: LicenseKind,
  fileName: string,
  bytes: Uint8Array,
): Promise<ImportResult> {
  const credential = await getCredential(deps, credentialId);
  const parsed = await parseLicenseList(bytes, fileName, { readXlsx: readXlsxSheet });
  const errors: LicenseListError[] = parsed.ok ? [] : [...parsed.errors];
  if (parsed.ok) {
    for (const r of parsed.rows) {
      if (r.pid !== undefined && r.pid !== credential.pid)
        errors.push({
          line: r.line,
          code: 'BAD_PID',
          reason: `line ${r.line} is for product ${r.pid}, but credential ${credentialId} is for ${credential.pid}`,
        });
    }
    const known = new Set<string>();
    for (const part of chunks(
      parsed.rows.map((r) => r.uuid),
      1000,
    )) {
      const rows = await deps.store.db.selectFrom('licenses').select('uuid').where('uuid', 'in', part).execute();
      for (const r of rows) known.add(r.uuid);
    }
    errors.push(...findKnownUuids(parsed.rows, known));
  }
  if (!parsed.ok || errors.length > 0) {
    const lines = describeLicenseListErrors(errors);
    throw new AppError(
      'LICENSE_LIST_INVALID',
      `The license list "${fileName}" was refused, nothing was imported: ${lines.slice(0, 5).join('; ')}${lines.length > 5 ? ` (and ${lines.length - 5} more)` : ''}`,
      { errors: errors.slice(0, 1000) },
    );
  }
  return importLicenses(
    deps,
    credentialId,
    kind,
    parsed.rows.map((r) => ({ uuid: r.uuid, authkey: r.authkey, ...(r.mac ? { mac: r.mac } : {}) })),
  );
}
