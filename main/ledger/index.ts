export {
  Ledger,
  ledgerQueries,
  disagreeingLicenseQuery,
  type Reservation,
  type LicenseInfo,
  type GroupCounts,
  type RecoveryReport,
  type ModuleRecord,
  type LedgerVerification,
  type SettleOptions,
  type Settlement,
} from './ledger';
export { ledgerActions, nextState, exposedStates, type LedgerAction } from './states';
export { burnReportCsv, csvField, type BurnRecord, type BurnReportLabels } from './report';
export {
  burnStats,
  burnStatsSql,
  burnStatsByOperatorSql,
  burnRecordsSince,
  operatorsSince,
  type BurnStatRow,
  type BurnStatOutcome,
} from './stats';
