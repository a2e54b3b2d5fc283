import type { VaultDb } from '../vault/db';
import type { BurnRecord } from './report';

/**
 * The burn records summed in SQL over every record (the dashboard, the shift
 * report): each query reads only the time range through the index on `at`
 * (vault migration 6), never the whole table into memory. The index also holds
 * the result, slot, group and reason, so verified and failed records are summed
 * from the index alone; only suspects read their license's state.
 */

/** What became of a burn attempt, as the dashboard counts it. */
export type BurnStatOutcome = 'verified' | 'failed' | 'suspect';

/**
 * One group of burn attempts: same hour and outcome; failed and suspect ones
 * also by slot, group and failure code (the dashboard names no slot or group
 * for a verified burn, so those are summed per hour alone, from the index).
 */
export interface BurnStatRow {
  /** Start of the hour, ms since the epoch. */
  hour: number;
  slot: string | null;
  groupId: string | null;
  outcome: BurnStatOutcome;
  /** The code at the head of the ledger's reason ("TIMEOUT at write: ..."); null for a verified burn. */
  code: string | null;
  n: number;
}

/**
 * A suspect record counts by what became of its license: still suspect, read
 * back as burned (verified), or voided (failed). The read-back's own verified
 * record is not a second burn, a void record is no burn, and a record without
 * a slot (a read-back through a bare port) is not a slot's burn. With an
 * operator, only their records, through the operator index (vault migration 8).
 */
const statsSql = (byOperator: boolean): string => {
  const from = byOperator ? 'burn_records INDEXED BY burn_records_by_operator' : 'burn_records INDEXED BY burn_records_by_time';
  const who = byOperator ? ' AND operator = @operator' : '';
  return `
  SELECT (at / 3600000) * 3600000 AS hour, NULL AS slot, NULL AS groupId, 'verified' AS outcome, NULL AS code, count(*) AS n
  FROM ${from}
  WHERE at >= @from AND at <= @to${who} AND result = 'verified' AND slot IS NOT NULL AND reason IS NOT 'resolved by read-back'
  GROUP BY 1
  UNION ALL
  SELECT hour, slot, groupId, outcome, code, count(*) FROM (
    SELECT (b.at / 3600000) * 3600000 AS hour, b.slot AS slot, b.group_id AS groupId,
      CASE b.result WHEN 'failed' THEN 'failed' ELSE
        (SELECT CASE l.state WHEN 'suspect' THEN 'suspect' WHEN 'verified' THEN 'verified' WHEN 'reported' THEN 'verified' ELSE 'failed' END
         FROM licenses l WHERE l.uuid = b.uuid) END AS outcome,
      substr(b.reason, 1, instr(b.reason, ' at ') - 1) AS code
    FROM ${from.replace('burn_records', 'burn_records b')}
    WHERE b.at >= @from AND b.at <= @to${who.replace('operator', 'b.operator')} AND (b.result = 'failed' OR b.result = 'suspect') AND b.slot IS NOT NULL
  )
  GROUP BY 1, 2, 3, 4, 5`;
};

export const burnStatsSql = statsSql(false);
export const burnStatsByOperatorSql = statsSql(true);

export interface BurnRange {
  from: number;
  to: number;
  /** Only the burns of this operator (their number). */
  operator?: string | undefined;
}

export function burnStats(db: VaultDb, range: BurnRange): BurnStatRow[] {
  const rows =
    range.operator === undefined
      ? db.prepare<[{ from: number; to: number }], BurnStatRow>(burnStatsSql).all({ from: range.from, to: range.to })
      : db
          .prepare<[{ from: number; to: number; operator: string }], BurnStatRow>(burnStatsByOperatorSql)
          .all({ from: range.from, to: range.to, operator: range.operator });
  return rows.map((r) => ({ ...r, outcome: r.outcome ?? 'failed', code: r.outcome === 'verified' || r.code === '' ? null : r.code }));
}

/** The operators who burned in a time range (their numbers), for the dashboard's and the report's filter. */
export function operatorsSince(db: VaultDb, from: number): string[] {
  return db
    .prepare<[number], { operator: string }>(
      'SELECT DISTINCT operator FROM burn_records INDEXED BY burn_records_by_time WHERE at >= ? AND operator IS NOT NULL ORDER BY operator',
    )
    .all(from)
    .map((r) => r.operator);
}

const recordColumns =
  'id, uuid, group_id AS groupId, slot, attempt, module_mac AS moduleMac, module_serial AS moduleSerial, result, reason, at, reported_at AS reportedAt, operator';

/** Every burn record from `from` on (of one group and / or one operator, or all), oldest first: the shift and day reports. */
export function burnRecordsSince(
  db: VaultDb,
  from: number,
  filter: { groupId?: string | undefined; operator?: string | undefined } = {},
): BurnRecord[] {
  const where = [
    'at >= @from',
    ...(filter.groupId !== undefined ? ['group_id = @groupId'] : []),
    ...(filter.operator !== undefined ? ['operator = @operator'] : []),
  ];
  return db
    .prepare<[Record<string, unknown>], BurnRecord>(
      `SELECT ${recordColumns} FROM burn_records WHERE ${where.join(' AND ')} ORDER BY at, id`,
    )
    .all({ from, ...filter });
}
