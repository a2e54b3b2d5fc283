/** One end of a burn attempt, as recorded for the factory and the hub. */
export interface BurnRecord {
  id: number;
  uuid: string;
  groupId: string;
  slot: string | null;
  attempt: string | null;
  moduleMac: string | null;
  moduleSerial: string | null;
  result: 'verified' | 'failed' | 'suspect' | 'void' | 'rejected' | 'released';
  reason: string | null;
  at: number;
  reportedAt: number | null;
  /** The operator signed on when the license was reserved (their number); null before operators signed on, or from the command line. */
  operator: string | null;
}

const columns = ['uuid', 'module_mac', 'module_serial', 'slot', 'time', 'result', 'reason', 'group', 'operator'] as const;

/** A CSV field: quoted when needed; a leading = + - @ is defused so spreadsheets do not run it as a formula. */
export function csvField(value: string | null): string {
  let v = value ?? '';
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** How the report names a group and a slot (the station gives the group's name and the slot's number; by default their ids). */
export interface BurnReportLabels {
  group: (groupId: string) => string;
  slot: (slotId: string) => number | string | null;
  /** The operator's name with their number; by default the number. */
  operator?: (operator: string) => string;
}

/** The burn report (CRLF, header first). Built from burn records, which never hold an authkey. */
export function burnReportCsv(records: readonly BurnRecord[], labels?: BurnReportLabels): string {
  const lines = [columns.join(',')];
  for (const r of records) {
    const slot = r.slot === null ? null : labels ? (labels.slot(r.slot) ?? r.slot) : r.slot;
    const group = labels ? labels.group(r.groupId) : r.groupId;
    const operator = r.operator === null ? null : labels?.operator ? labels.operator(r.operator) : r.operator;
    lines.push(
      [
        r.uuid,
        r.moduleMac,
        r.moduleSerial,
        slot === null ? null : String(slot),
        new Date(r.at).toISOString(),
        r.result,
        r.reason,
        group,
        operator,
      ]
        .map(csvField)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}
